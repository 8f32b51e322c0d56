package ui_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/callcycle/callcycle/workflows"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

const committeeCall = `id: AP-CMS-UI
kind: cms
year: 2030
title: Appel CMS 2030
theme: Citoyenneté mondiale et solidaire
envelope: "50.000 €"
min_grant: "5.000 €"
max_grant: "25.000 €"
regions: [Région de Bruxelles-Capitale]
criteria:
  - {key: pertinence, name: Pertinence, weight: 60, min: 0, max: 10}
  - {key: impact, name: Impact, weight: 40, min: 0, max: 10}
deadline: "2030-03-31 23:59"
tranches: [{percent: 100, on: signature}]
report: {delay_days: 60}
committee: {reviewers: [AB, CD], deadline: "2030-05-15", reminder_days: [7, 2]}
officer: {email: officer@cooperation.brussels, language: fr}
committee_secretariat: {email: comite@cooperation.brussels, language: nl}
announce_to: [{email: info@cms.example, language: fr}]
`

const committeeApps = `association;title;region;amount;summary;duration_months;contact_name;email;language;iban
ULB Coopération;Cooperation Games;Région de Bruxelles-Capitale;18.963 €;Un jeu coopératif.;12;Ana;ulb@example.org;fr;BE71 0961 2345 6769
Oxfam-Solidariteit;Inleefateliers;Région de Bruxelles-Capitale;10.837 €;Ateliers sur la solidarité.;12;Bram;oxfam@example.org;nl;BE68 5390 0754 7034
`

// Two committee members in a real Chromium, signed in through the
// office's OpenID Connect provider: Rita in French declares a conflict
// with the first file, which is then hidden from her (her sheet, the
// file's page, her ranking), downloads her own workbook, has a cell out
// of range refused beside nothing saved, and uploads it filled; Bart in
// Dutch declares, reads a file and scores both in the page; his last
// score returns the committee and the ranking appears. axe-core finds no
// serious or critical violation on any page.
func TestReviewersScoreInTheBrowser(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB}
	const call = "AP-CMS-UI"
	first, second := call+"-0001", call+"-0002"
	toCommitteeReview(t, svc, call)

	web := startOIDCPortal(t, sys, svc,
		launcher.IDPUser{ID: "u-rita", Username: "rita", Password: "rita pass", FirstName: "Rita", LastName: "Reviewer",
			Email: "rita@office.example", EmailVerified: true, PreferredLanguage: "fr"},
		launcher.IDPUser{ID: "u-bart", Username: "bart", Password: "bart pass", FirstName: "Bart", LastName: "Reviewer",
			Email: "bart@office.example", EmailVerified: true, PreferredLanguage: "nl"})
	for _, p := range []struct{ name, email string }{{"Rita Reviewer", "rita@office.example"}, {"Bart Reviewer", "bart@office.example"}} {
		if _, err := auth.CreateUser(ctx, sys.DB, p.name, p.email, "", "test", auth.Reviewer); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AssignReviewer(ctx, operations.Actor{Name: "officer"}, operations.AssignReviewerInput{CallID: call, Email: p.email}); err != nil {
			t.Fatal(err)
		}
	}

	b := testenv.StartBrowser(t)
	accessible := func(page string) {
		t.Helper()
		for _, v := range testenv.Accessibility(t, b) {
			t.Errorf("%s: %s", page, v)
		}
	}
	page := func(what string, want ...string) string {
		t.Helper()
		got := b.Text(t)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Fatalf("%s: the page lacks %q:\n%s", what, w, got)
			}
		}
		return got
	}
	signIn := func(lang, user, password string) {
		t.Helper()
		b.Run(t, 30*time.Second, chromedp.Navigate(web+"/lang/"+lang+"?back=/"), chromedp.WaitVisible("main h1"),
			chromedp.Navigate(web+"/auth/login"), chromedp.WaitVisible(`#username`),
			chromedp.SendKeys(`#username`, user), chromedp.SendKeys(`#password`, password),
			testenv.Loads(chromedp.Click(`button[type="submit"]`)), chromedp.WaitVisible("main h1"))
		// The provider sends the browser back through the callback to the
		// home page, which sends a reviewer on to its calls.
		if at := testenv.Eval[string](t, b, `location.pathname`); at != "/reviews" {
			t.Fatalf("%s signed in lands on %s, want /reviews:\n%s", user, at, b.Text(t))
		}
	}
	signOut := func() {
		t.Helper()
		b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`form.signout button`)), chromedp.WaitVisible("main h1"))
	}
	saved := func() (n int) {
		_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM review_sheet_scores`).Scan(&n)
		return n
	}

	// Rita, in French: her calls, then the declaration before any file.
	signIn("fr", "rita", "rita pass")
	page("fr reviews", "Mes évaluations", "Appel CMS 2030", "15/05/2030", "Déclarer mes intérêts pour "+call)
	accessible("fr reviews")
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/reviews/"+call), chromedp.WaitVisible("main h1"))
	page("fr sheet before declaring", "Déclaration d'intérêts", "Oxfam-Solidariteit — Inleefateliers")
	accessible("fr declaration")
	b.Run(t, 30*time.Second, chromedp.Click(`#conflict-`+first), testenv.Loads(chromedp.Click(`main form button[type="submit"]`)), chromedp.WaitVisible("main h1"))
	page("fr declaration without confidentiality", "Cochez l'engagement de confidentialité")
	if n := testenv.Eval[int](t, b, `document.querySelectorAll('#conflict-`+first+`:checked').length`); n != 1 {
		t.Errorf("the refused declaration lost the conflict ticked")
	}
	accessible("fr declaration refused")
	b.Run(t, 30*time.Second, chromedp.Click(`#confidential`), testenv.Loads(chromedp.Click(`main form button[type="submit"]`)), chromedp.WaitVisible("main h1"))
	sheet := page("fr sheet", "Ma grille de cotation", "Votre déclaration est enregistrée", second, "1 dossier(s) masqué(s)", "Grille à rendre pour le", "15/05/2030")
	if strings.Contains(sheet, first) || strings.Contains(sheet, "Cooperation Games") {
		t.Fatalf("Rita's conflict shows on her sheet:\n%s", sheet)
	}
	accessible("fr sheet")
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/reviews/"+call+"/files/"+first), chromedp.WaitVisible("main h1"))
	if got := b.Text(t); strings.Contains(got, "Un jeu coopératif") || !strings.Contains(got, "n'existe pas") {
		t.Fatalf("Rita opens her conflict's file:\n%s", got)
	}
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/reviews/"+call), chromedp.WaitVisible("main h1"),
		testenv.Loads(chromedp.Click(`a[href="/reviews/`+call+`/files/`+second+`"]`)), chromedp.WaitVisible("main h1"))
	page("fr file", "Ateliers sur la solidarité", "Oxfam-Solidariteit")
	accessible("fr file")

	// Her own workbook, downloaded by the browser through her session;
	// a cell out of range first.
	downloads := t.TempDir()
	events := true
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/reviews/"+call), chromedp.WaitVisible("main h1"),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &events})
			return err
		}),
		chromedp.Click(`a[href="/reviews/`+call+`/sheet.xlsx"]`))
	var raw []byte
	for deadline := time.Now().Add(20 * time.Second); raw == nil; time.Sleep(100 * time.Millisecond) {
		files, _ := os.ReadDir(downloads)
		for _, e := range files {
			if data, err := os.ReadFile(filepath.Join(downloads, e.Name())); err == nil && !strings.HasSuffix(e.Name(), ".crdownload") && len(data) > 0 {
				if f, err := excelize.OpenReader(bytes.NewReader(data)); err == nil {
					f.Close()
					raw = data
				}
			}
		}
		if raw == nil && time.Now().After(deadline) {
			t.Fatalf("the browser did not download Rita's workbook (%d files in %s)", len(files), downloads)
		}
	}
	upload := func(pertinence int, name string) {
		t.Helper()
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) != 2 || sheets[1] != "Scores-AB" {
			t.Fatalf("Rita's workbook holds %v, want her sheet only", sheets)
		}
		if rows, _ := f.GetRows("Scores-AB"); len(rows) != 2 || rows[1][0] != second {
			t.Fatalf("Rita's sheet rows %v, want only %s", rows, second)
		}
		_ = f.SetCellInt("Scores-AB", "F2", int64(pertinence))
		_ = f.SetCellInt("Scores-AB", "G2", 7)
		path := filepath.Join(t.TempDir(), name)
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		b.Run(t, 30*time.Second, chromedp.SetUploadFiles(`#workbook`, []string{path}),
			testenv.Loads(chromedp.Click(`form[action$="/sheet"] button[type="submit"]`)), chromedp.WaitVisible("main h1"))
	}
	upload(12, "grille-fausse.xlsx")
	page("fr upload refused", "La grille n'a pas été acceptée", `Scores-AB!F2: 12 is above the maximum 10 for "pertinence"`)
	if saved() != 0 {
		t.Fatal("a refused workbook saved scores")
	}
	accessible("fr upload refused")
	upload(8, "grille.xlsx")
	page("fr upload", "Votre grille est enregistrée", "1 dossier(s) coté(s) sur 1", "1 membre(s) sur 2 ont rendu leur grille")
	accessible("fr uploaded")
	b.Keep(t, "reviewer-sheet.png")
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/reviews/"+call+"/ranking"), chromedp.WaitVisible("main h1"))
	page("fr ranking before Bart", "1 sur 2 l'ont fait")
	accessible("fr ranking before Bart")
	signOut()

	// Bart, in Dutch: declares no conflict, scores both files in the page.
	signIn("nl", "bart", "bart pass")
	page("nl reviews", "Mijn beoordelingen", "Mijn belangen verklaren voor "+call)
	accessible("nl reviews")
	b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`a[href="/reviews/`+call+`/declaration"]`)), chromedp.WaitVisible("#confidential"))
	accessible("nl declaration")
	b.Run(t, 30*time.Second, chromedp.Click(`#confidential`), testenv.Loads(chromedp.Click(`main form button[type="submit"]`)), chromedp.WaitVisible("main h1"))
	page("nl sheet", "Mijn beoordelingsrooster", first, second, "0 van 2 dossier(s) beoordeeld")
	accessible("nl sheet")
	score := func(ref, pertinence, impact string) {
		t.Helper()
		b.Run(t, 30*time.Second, chromedp.SetValue(`#s-`+ref+`-pertinence`, pertinence), chromedp.SetValue(`#s-`+ref+`-impact`, impact),
			testenv.Loads(chromedp.Click(`#f-`+ref+` button[type="submit"]`)), chromedp.WaitVisible("main h1"))
	}
	score(first, "11", "6")
	page("nl score refused", `11 is above the maximum 10 for "pertinence"`)
	if invalid := testenv.Eval[string](t, b, `[...document.querySelectorAll('[aria-invalid="true"]')].map(e => e.id).join(",")`); invalid != "s-"+first+"-pertinence" {
		t.Errorf("fields marked invalid: %q", invalid)
	}
	if saved() != 1 {
		t.Fatalf("a refused score changed the scores: %d rows", saved())
	}
	accessible("nl score refused")
	score(first, "6", "6")
	page("nl first score", "Uw scores voor "+first+" zijn opgeslagen", "1 van 2 dossier(s) beoordeeld")
	accessible("nl first score")
	score(second, "9", "8")
	ranking := page("nl ranking", "Rangschikking: Appel CMS 2030", "Alle leden hebben hun rooster ingediend", "Oxfam-Solidariteit", "ULB Coopération")
	if strings.Index(ranking, second) > strings.Index(ranking, first) {
		t.Errorf("the ranking puts %s (scored 8 and 9) after %s (6):\n%s", second, first, ranking)
	}
	accessible("nl ranking")
	st, err := svc.Status(ctx, operations.Actor{Name: "officer"}, operations.StatusInput{CallID: call})
	if err != nil || st.Stage != workflows.StageProposed || st.Proposal == nil || st.Proposal.Ranked != 2 {
		t.Fatalf("the call after the committee returned: %+v %v", st, err)
	}
	signOut()

	// Rita sees the ranking now, without her conflict.
	signIn("fr", "rita", "rita pass")
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/reviews/"+call+"/ranking"), chromedp.WaitVisible("main h1"))
	if got := page("fr ranking", "Classement : Appel CMS 2030", second); strings.Contains(got, first) {
		t.Errorf("Rita's ranking shows her conflict:\n%s", got)
	}
	accessible("fr ranking")
	if p := b.Problems(); len(p) > 0 {
		t.Logf("browser notes: %v", p)
	}
}

// toCommitteeReview launches call with two applications and takes it to the
// committee review, its scoring workbook written.
func toCommitteeReview(t *testing.T, svc *operations.Service, call string) {
	t.Helper()
	ctx := context.Background()
	by := operations.Actor{Name: "officer"}
	if _, err := svc.Launch(ctx, by, operations.LaunchInput{Call: []byte(committeeCall), Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Import(ctx, by, operations.ImportInput{CallID: call, File: []byte(committeeApps), Name: "apps.csv"}); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if _, err := svc.Close(ctx, by, operations.CloseInput{CallID: call, Reason: "enough"}); err != nil {
		t.Fatal(err)
	}
	ended := false
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if !ended {
			_, err := svc.EndScreening(ctx, by, operations.EndScreeningInput{CallID: call})
			ended = err == nil || operations.KindOf(err) == operations.AlreadyDone
		}
		if st, err := svc.Status(ctx, by, operations.StatusInput{CallID: call}); err == nil && st.Stage == workflows.StageReview && st.ScoringPath != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not reach the committee review", call)
		}
	}
}
