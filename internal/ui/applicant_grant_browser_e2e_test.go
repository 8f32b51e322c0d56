package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/callcycle/callcycle/workflows"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// grantCall is a small call whose time runs a week a second, so its
// grant's report falls due, and is reminded, within the test.
const grantCall = `id: AP-CMS-FILE
kind: cms
year: 2030
title: Appel CMS suivi
theme: Citoyenneté mondiale et solidaire
envelope: "50.000 €"
min_grant: "5.000 €"
max_grant: "25.000 €"
regions: [Région de Bruxelles-Capitale]
criteria:
  - {key: pertinence, name: Pertinence, weight: 1, min: 0, max: 10}
deadline: "2030-03-31 23:59"
tranches: [{percent: 80, on: signature}, {percent: 20, on: final-report}]
report: {delay_days: 60, reminder_days: [30]}
time_scale: 604800
committee: {reviewers: [AB]}
officer: {email: officer@cooperation.brussels, language: fr}
committee_secretariat: {email: comite@cooperation.brussels, language: nl}
announce_to: [{email: info@cms.example, language: fr}]
`

// An applicant follows its file to its grant in a real Chromium: the
// page shows the decision and the committee's score, the signed
// agreement, the tranches (paid, not yet due), the report due and the
// reminder mailed; it sends its final report from the page (a mistyped
// figure is shown beside its field and changes nothing) with a PDF, and
// the file then waits on the office's review, in French and in Dutch.
// Another organisation's file, and a report on its grant, read as
// missing. axe-core checks every page.
func TestApplicantFollowsItsGrantInTheBrowser(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB}
	officer := operations.Actor{Name: "officer"}
	const call = "AP-CMS-FILE"
	if _, err := svc.Launch(ctx, officer, operations.LaunchInput{Call: []byte(grantCall), Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	var org int64
	if err := sys.DB.QueryRow(ctx, `INSERT INTO applicants (name, name_key) VALUES ('Solsoc', $1) RETURNING applicant_id`, intake.NameKey("Solsoc")).Scan(&org); err != nil {
		t.Fatal(err)
	}
	userID, err := auth.CreateUser(ctx, sys.DB, "Sophie Lambert", "sophie@solsoc.example", "", "test", auth.Applicant)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sys.DB.Exec(ctx, `UPDATE users SET applicant_id = $2 WHERE user_id = $1`, userID, org); err != nil {
		t.Fatal(err)
	}
	sophie := operations.Actor{Name: "Sophie Lambert", ID: userID, Role: string(auth.Applicant)}
	app, err := svc.ApplyWithAttachments(ctx, sophie, operations.ApplyWithAttachmentsInput{
		ApplyInput: operations.ApplyInput{CallID: call, Source: "the form", Organisation: org, Form: &intake.Application{
			Association: "Solsoc", Title: "Jeux coopératifs", Region: "Région de Bruxelles-Capitale", Amount: 1500000,
			Summary: "Des jeux.", DurationMonths: 12, ContactName: "Sophie Lambert", Email: "sophie@solsoc.example", Language: "fr"}},
		Files: []operations.AttachmentFile{{Field: "statutes", Name: "statuts.pdf", Data: []byte(minimalPDF)}}})
	if err != nil {
		t.Fatal(err)
	}
	ref := app.Reference
	other, err := svc.Import(ctx, officer, operations.ImportInput{CallID: call, Name: "apps.csv", File: []byte(
		"association;title;region;amount;summary;duration_months;contact_name;email;language;iban\n" +
			"Oxfam;Inleefateliers;Région de Bruxelles-Capitale;10.837 €;Ateliers.;12;Bram;bram@oxfam.example;nl;BE68 5390 0754 7034\n")})
	if err != nil || len(other.Accepted) != 1 {
		t.Fatalf("import: %+v %v", other, err)
	}
	grant := toGrant(t, svc, sys, call, ref)
	today := time.Now().In(callspec.Brussels)
	if _, err := svc.GrantSign(ctx, officer, operations.GrantSignInput{GrantID: grant, On: today}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantPaid(ctx, officer, operations.GrantPaidInput{GrantID: grant, Tranche: 1, On: today}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantEndDate(ctx, officer, operations.GrantEndDateInput{GrantID: grant, End: time.Now().Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the report reminder", func() bool {
		var n int
		_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM mail_log WHERE reference = $1 AND kind = 'report-reminder' AND status = 'sent'`, ref).Scan(&n)
		return n == 1
	})

	// Signed in as Sophie (the e-mail link is TestApplicantAppliesInTheBrowser's).
	web := startPortal(t, sys, svc)
	sess, err := auth.OpenSession(ctx, sys.DB, userID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := testenv.StartBrowser(t)
	if _, err := chromedp.Call(b.Context(), network.SetCookie, network.SetCookieParams{Name: portal.SessionCookie, Value: sess.Cookie,
		URL: web}); err != nil {
		t.Fatal(err)
	}
	accessible := func(page string) {
		t.Helper()
		for _, v := range testenv.Accessibility(t, b) {
			t.Errorf("%s: %s", page, v)
		}
	}
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/lang/fr?back=/files/"+ref), chromedp.WaitVisible("main h1"))
	page := b.Text(t)
	for _, want := range []string{"subvention accordée", "15.000 €", "(classé 1 sur 2)", "Convention", "signée le " + today.Format("02/01/2006"),
		"Tranche 1 (80 %)", "12.000 €", "payée le " + today.Format("02/01/2006"), "Tranche 2 (20 %)", "après le rapport final", "3.000 €",
		"pas encore due", "Rapport final attendu le", "votre rapport final", "Rappels envoyés", "statuts.pdf", "Envoyer le rapport final"} {
		if !strings.Contains(page, want) {
			t.Errorf("the file page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "Rappels envoyés\naucun") || !regexp.MustCompile(`Rappels envoyés\s+\d{2}/\d{2}/\d{4}`).MatchString(page) {
		t.Errorf("the file page shows no reminder date:\n%s", page)
	}
	accessible("fr file with its grant")
	b.Keep(t, "applicant-file.png")
	// The budget was not sent with the application: the page offers to send it.
	b.Run(t, 30*time.Second, chromedp.SetUploadFiles(`#budget`, []string{writeTemp(t, "budget.xlsx", budgetWorkbook(t))}),
		testenv.Loads(chromedp.Click(`form[action$="/attachments"] button[type="submit"]`)), chromedp.WaitVisible("main h1"))
	if got := b.Text(t); !strings.Contains(got, "Les fichiers sont ajoutés") || !strings.Contains(got, "budget.xlsx") || b.Count(t, `form[action$="/attachments"]`) != 0 {
		t.Errorf("after sending the missing budget:\n%s", got)
	}
	reports := func() (n int) {
		_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM reports`).Scan(&n)
		return n
	}
	send := func(people string) {
		b.Run(t, 30*time.Second, chromedp.SetValue(`#beneficiaries`, people), chromedp.SetValue(`#spent`, "14.500 €"),
			chromedp.SetValue(`#lessons`, "Les jeux marchent.\nLes écoles en redemandent."),
			chromedp.SetUploadFiles(`#report`, []string{writeTemp(t, "rapport-final.pdf", []byte(minimalPDF))}),
			testenv.Loads(chromedp.Click(`form[action$="/report"] button[type="submit"]`)), chromedp.WaitVisible("main h1"))
	}
	send("beaucoup")
	if got := b.Text(t); !strings.Contains(got, "Le rapport n'a pas été accepté") || !strings.Contains(got, "un nombre de personnes") || reports() != 0 {
		t.Fatalf("a mistyped figure must be refused beside its field and change nothing (%d reports):\n%s", reports(), got)
	}
	if got := testenv.Eval[string](t, b, `[...document.querySelectorAll('[aria-invalid="true"]')].map(e => e.id).join(",")`); got != "beneficiaries" {
		t.Errorf("fields marked invalid: %q, want beneficiaries", got)
	}
	accessible("fr report with a problem")
	send("1.200")
	page = b.Text(t)
	if !strings.Contains(page, "Votre rapport final est reçu") || !strings.Contains(page, "rapport-final.pdf") || reports() != 1 {
		t.Fatalf("after the report (%d reports):\n%s", reports(), page)
	}
	accessible("fr file after the report")
	var people int
	if err := sys.DB.QueryRow(ctx, `SELECT beneficiaries FROM reports WHERE grant_id = $1`, grant).Scan(&people); err != nil || people != 1200 {
		t.Errorf("the report recorded %d people (%v), want 1200", people, err)
	}
	waitFor(t, 30*time.Second, "the file waiting on the review", func() bool {
		b.Run(t, 30*time.Second, chromedp.Navigate(web+"/lang/nl?back=/files/"+ref), chromedp.WaitVisible("main h1"))
		return strings.Contains(b.Text(t), "de beoordeling van uw verslag door de administratie")
	})
	page = b.Text(t)
	for _, want := range []string{"Subsidie " + grant, "Schijf 1 (80 %)", "betaald op", "Ontvangen verslagen", "ontvangen op"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Dutch file page lacks %q:\n%s", want, page)
		}
	}
	accessible("nl file after the report")

	// Oxfam's file is not Sophie's: its page and a report on its grant read as missing.
	otherRef := other.Accepted[0].Reference
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/files/"+otherRef), chromedp.WaitVisible("main h1"))
	if got := b.Text(t); strings.Contains(got, "Inleefateliers") {
		t.Errorf("another organisation's file is shown:\n%s", got)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"csrf": sess.CSRF, "beneficiaries": "10", "spent": "1.000 €", "lessons": "x"} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", web+"/files/"+otherRef+"/report", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: portal.SessionCookie, Value: sess.Cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || reports() != 1 {
		t.Errorf("a report on another organisation's grant: %d (%d reports), want 404 and nothing recorded", resp.StatusCode, reports())
	}
}

// toGrant closes call, screens every application eligible, scores them
// (the first best), decides every proposed project and returns ref's
// grant once it is open.
func toGrant(t *testing.T, svc *operations.Service, sys *workerapptest.System, call, ref string) string {
	t.Helper()
	ctx := context.Background()
	officer := operations.Actor{Name: "officer"}
	status := func() operations.CallStatus {
		st, _ := svc.Status(ctx, officer, operations.StatusInput{CallID: call})
		return st
	}
	if _, err := svc.Close(ctx, officer, operations.CloseInput{CallID: call, Reason: "enough"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "screening", func() bool { return status().Stage == workflows.StageScreening })
	if _, err := svc.EndScreening(ctx, officer, operations.EndScreeningInput{CallID: call}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the scoring workbook", func() bool { st := status(); return st.Stage == workflows.StageReview && st.ScoringPath != "" })
	var book bytes.Buffer
	if _, err := svc.ReviewExport(ctx, officer, operations.ReviewExportInput{CallID: call, Out: &book}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	sheet := scoring.SheetName("AB")
	rows, _ := f.GetRows(sheet)
	for i := 1; i < len(rows); i++ {
		_ = f.SetCellInt(sheet, fmt.Sprintf("F%d", i+1), int64(9-i))
	}
	var filled bytes.Buffer
	if err := f.Write(&filled); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReviewImport(ctx, officer, operations.ReviewImportInput{CallID: call, Workbook: filled.Bytes(), Name: "scoring.xlsx"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the proposal", func() bool { return status().Stage == workflows.StageProposed })
	if _, err := svc.Decide(ctx, officer, operations.DecideInput{CallID: call, Decree: "AGRBC 2030/16", All: true}); err != nil {
		t.Fatal(err)
	}
	var grant string
	waitFor(t, 30*time.Second, "the grant", func() bool {
		return sys.DB.QueryRow(ctx, `SELECT grant_id FROM grants WHERE reference = $1`, ref).Scan(&grant) == nil
	})
	return grant
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(within); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
