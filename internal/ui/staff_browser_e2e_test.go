package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// staffPerson is a member of the office, known to the provider and to
// callcycle.
type staffPerson struct {
	user, first, last, lang string
	role                    auth.Role
}

func (p staffPerson) name() string  { return p.first + " " + p.last }
func (p staffPerson) email() string { return p.user + "@office.example" }

// The office at work in a real Chromium, each person signed in through
// the real OpenID Connect provider, each in their language: an officer
// (fr) screens, with a verdict refused for want of a reason, and proposes
// the decision; a second officer (nl) approves it; a finance person (fr)
// confirms a payment and a second one (nl) approves it; a manager sees
// the portfolio in fr and nl. axe-core finds no serious or critical
// violation on any page visited.
func TestOfficeFinanceAndManagersInTheBrowser(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	four, err := operations.FourEyesActions(nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB, FourEyes: four}
	system := operations.Actor{Name: "system:test", Role: "system"}
	call, err := os.ReadFile(filepath.Join("..", "..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Launch(ctx, system, operations.LaunchInput{Call: call, Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	projects := []struct{ org, title, region, amount string }{
		{"Solsoc", "Coopératives de femmes à Gaza", "Territoire palestinien occupé", "80.000 €"},
		{"Oxfam-Solidariteit", "Waterputten in Kinshasa", "Ville-Province de Kinshasa", "60.000 €"},
		{"Eclosio", "Agroécologie à Rabat", "Région de Rabat-Salé-Kénitra", "50.000 €"},
	}
	var refs []string
	for _, p := range projects {
		cents, _ := money.Parse(p.amount)
		res, err := svc.Apply(ctx, system, operations.ApplyInput{CallID: "AP-SUD-2030", Source: "test", Form: &intake.Application{
			Association: p.org, Title: p.title, Region: p.region, Amount: cents, Summary: "Deux ans.", DurationMonths: 24,
			ContactName: "Contact", Email: "contact@" + strings.ToLower(p.org) + ".example", Language: "fr", IBAN: "BE68 5390 0754 7034"}})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, res.Reference)
	}
	if _, err := svc.Close(ctx, system, operations.CloseInput{CallID: "AP-SUD-2030", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	waitStage(t, svc, "screening")

	awa := staffPerson{"awa", "Awa", "Diallo", "fr", auth.Officer}
	pieter := staffPerson{"pieter", "Pieter", "Janssens", "nl", auth.Officer}
	fatou := staffPerson{"fatou", "Fatou", "Ndiaye", "fr", auth.Finance}
	marc := staffPerson{"marc", "Marc", "Dubois", "nl", auth.Finance}
	lucie := staffPerson{"lucie", "Lucie", "Martin", "fr", auth.Manager}
	web := startStaffPortal(t, sys, svc, awa, pieter, fatou, marc, lucie)
	b := testenv.StartBrowser(t)
	accessible := func(page string) {
		t.Helper()
		for _, v := range testenv.Accessibility(t, b) {
			t.Errorf("%s: %s", page, v)
		}
	}
	page := func(wants ...string) string {
		t.Helper()
		got := b.Text(t)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("the page lacks %q:\n%s", w, got)
			}
		}
		return got
	}
	signIn := func(p staffPerson) {
		t.Helper()
		b.Run(t, 30*time.Second, chromedp.Navigate(web+"/lang/"+p.lang+"?back=/"), chromedp.WaitVisible("main h1"),
			chromedp.Navigate(web+"/auth/login"), chromedp.WaitVisible(`input[name="password"]`),
			chromedp.SendKeys(`input[name="username"]`, p.user), chromedp.SendKeys(`input[name="password"]`, "pw-"+p.user),
			testenv.Loads(chromedp.Submit(`input[name="password"]`)), chromedp.WaitVisible("form.signout"))
		page(p.name())
	}
	signOut := func() {
		t.Helper()
		b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`form.signout button`)), chromedp.WaitVisible("main h1"))
	}
	submit := func(form string) {
		t.Helper()
		if err := b.TryRun(30*time.Second, testenv.Loads(chromedp.Click(form+` button[type="submit"]`)), chromedp.WaitVisible("main h1")); err != nil {
			t.Fatalf("submit %s: %v\n%s\n%v", form, err, b.Text(t), b.Problems())
		}
	}
	callPage := web + "/office/calls/AP-SUD-2030"

	// The officer screens: two eligible, one not (a verdict without its
	// reason is refused first, and changes nothing).
	signIn(awa)
	page("Bureau : les appels", "AP-SUD-2030", "examen de recevabilité")
	accessible("fr office")
	b.Keep(t, "office-dashboard.png")
	b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`a[href="/office/calls/AP-SUD-2030"]`)), chromedp.WaitVisible("form.screen"))
	accessible("fr call screening")
	screenForm := func(ref string) string { return `form.screen:has(input[value="` + ref + `"])` }
	b.Run(t, 10*time.Second, chromedp.Click(screenForm(refs[2])+` input[value="ineligible"]`))
	submit(screenForm(refs[2]))
	page("Ce n'a pas été fait")
	if n := eligibleCount(t, sys, "AP-SUD-2030"); n != 0 {
		t.Fatalf("a refused verdict changed %d applications", n)
	}
	for i, ref := range refs {
		verdict := "eligible"
		if i == 2 {
			verdict = "ineligible"
		}
		if err := b.TryRun(30*time.Second, chromedp.Navigate(callPage), chromedp.WaitVisible(screenForm(ref)),
			chromedp.Click(screenForm(ref)+` input[value="`+verdict+`"]`)); err != nil {
			t.Fatalf("screening %s: %v\n%s", ref, err, b.Text(t))
		}
		if i == 2 {
			b.Run(t, 10*time.Second, chromedp.SendKeys(screenForm(ref)+` input[name="reason"]`, "Hors du thème de l'appel"))
		}
		submit(screenForm(ref))
		page("Verdict enregistré.")
	}
	// The last verdict ends the screening: the committee scores.
	page("évaluation par le comité", "2 recevables, 1 irrecevables, 0 à examiner")
	waitStage(t, svc, "review")

	// The committee's scores (the reviewers' own pages have their test).
	var book bytes.Buffer
	if _, err := svc.ReviewExport(ctx, system, operations.ReviewExportInput{CallID: "AP-SUD-2030", Out: &book}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReviewImport(ctx, system, operations.ReviewImportInput{CallID: "AP-SUD-2030", Workbook: scoreAll(t, book.Bytes()), Name: "scores.xlsx"}); err != nil {
		t.Fatal(err)
	}
	waitStage(t, svc, "proposed")

	// The officer records the decree; it waits for a second officer.
	b.Run(t, 30*time.Second, chromedp.Navigate(callPage), chromedp.WaitVisible("#decree"))
	page("Proposition de sélection", "2 projets retenus sur 2 classés, pour 140.000 €")
	accessible("fr call proposal")
	b.Run(t, 10*time.Second, chromedp.SendKeys("#decree", "AG-2030-0417"))
	submit(`form[action$="/decide"]`)
	page("Décision proposée", "En attente d'une seconde personne", "Vous l'avez proposé")
	accessible("fr call waiting for approval")
	if n := b.Count(t, `form[action$="/approve"]`); n != 0 {
		t.Errorf("the proposer is offered %d approve buttons", n)
	}
	signOut()

	// The second officer, in Dutch, approves.
	signIn(pieter)
	page("Kantoor: de oproepen", "1 goedkeuring(en) in behandeling")
	b.Run(t, 30*time.Second, chromedp.Navigate(callPage), chromedp.WaitVisible(`form[action$="/approve"]`))
	accessible("nl call approval")
	b.Keep(t, "office-approval.png")
	submit(`form[action$="/approve"]`)
	page("Goedgekeurd.", "Besluit AG-2030-0417, opgeslagen door Awa Diallo: 2 subsidies voor 140.000 €")
	accessible("nl call decided")
	b.Run(t, 30*time.Second, chromedp.Navigate(callPage+"/applications?stage=granted"), chromedp.WaitVisible("table"))
	page("2 aanvragen, 140.000 € gevraagd, 140.000 € toegekend", refs[0], refs[1])
	accessible("nl register")
	signOut()

	// The grants are signed; the first tranches (80 %) are ordered.
	grants := waitGrants(t, sys, 2)
	for _, g := range grants {
		if _, err := svc.GrantSign(ctx, system, operations.GrantSignInput{GrantID: g, On: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	waitOrders(t, sys, 2)

	// Finance confirms a payment (fr); a second person approves (nl).
	signIn(fatou)
	page("Ordres de paiement à confirmer", "64.000 €", "48.000 €")
	accessible("fr payments")
	first := `form[action="/payments/confirm"]:has(input[value="` + grants[0] + `"])`
	submit(first)
	page("Paiement confirmé : une seconde personne doit l'approuver.", "Confirmé par Fatou Ndiaye", "Vous l'avez proposé")
	signOut()
	signIn(marc)
	page("Te bevestigen betalingsopdrachten", "Bevestigd door Fatou Ndiaye")
	accessible("nl payments")
	b.Keep(t, "finance-payments.png")
	submit(`form[action="/payments/approve"]`)
	page("Betaling goedgekeurd.")
	var paidBy string
	if err := sys.DB.QueryRow(ctx, `SELECT coalesce(confirmed_by, '') FROM ledger WHERE grant_id = $1 AND tranche = 1 AND paid_on IS NOT NULL`, grants[0]).Scan(&paidBy); err != nil {
		t.Fatalf("the approved payment is not in the ledger: %v", err)
	}
	signOut()

	// The manager's portfolio, in French then in Dutch.
	signIn(lucie)
	committed, paid := "140.000 €", ""
	var paidCents int64
	if err := sys.DB.QueryRow(ctx, `SELECT amount_cents FROM ledger WHERE grant_id = $1 AND tranche = 1`, grants[0]).Scan(&paidCents); err != nil {
		t.Fatal(err)
	}
	paid = money.Cents(paidCents).String()
	page("Portefeuille", "Engagé : "+committed+" · payé : "+paid, "Engagé et payé par année budgétaire", "appel Sud")
	if n := b.Count(t, "figure.chart svg rect.committed"); n < 3 {
		t.Errorf("the charts draw %d committed bars", n)
	}
	if link := testenv.Eval[string](t, b, `document.querySelector('a[href*="WorkflowId"]')?.href ?? ""`); !strings.Contains(link, "namespaces/default/workflows") {
		t.Errorf("no link to a workflow in the Temporal Web UI: %q", link)
	}
	accessible("fr portfolio")
	b.Keep(t, "manager-portfolio.png")
	b.Run(t, 30*time.Second, chromedp.Navigate(web+"/lang/nl?back=/portfolio"), chromedp.WaitVisible("figure.chart"))
	page("Vastgelegd: "+committed+" · betaald: "+paid, "Vastgelegd en betaald per zone", "Territoire palestinien occupé")
	accessible("nl portfolio")
	if p := b.Problems(); len(p) > 0 {
		t.Logf("browser notes: %v", p)
	}
}

// startStaffPortal serves the API, the pages and staff sign-in through a
// real OpenID Connect provider that knows people (password "pw-<user>"),
// each also a callcycle user with their role.
func startStaffPortal(t *testing.T, sys *workerapptest.System, svc *operations.Service, people ...staffPerson) string {
	t.Helper()
	var users []launcher.IDPUser
	for _, p := range people {
		users = append(users, launcher.IDPUser{ID: "u-" + p.user, Username: p.user, Password: "pw-" + p.user, FirstName: p.first,
			LastName: p.last, Email: p.email(), EmailVerified: true, PreferredLanguage: p.lang})
		if _, err := auth.CreateUser(context.Background(), sys.DB, p.name(), p.email(), "", "test", p.role); err != nil {
			t.Fatal(err)
		}
	}
	return startOIDCPortal(t, sys, svc, users...)
}

// scoreAll fills every reviewer's sheet: the first two applications
// score high, the others below the call's threshold of interest.
func scoreAll(t *testing.T, book []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		if !strings.HasPrefix(sheet, "Scores-") {
			continue
		}
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(rows); i++ {
			for c := 5; c < len(rows[0]) && strings.Contains(rows[0][c], "×"); c++ {
				cell, _ := excelize.CoordinatesToCellName(c+1, i+1)
				if err := f.SetCellInt(sheet, cell, 8); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func waitStage(t *testing.T, svc *operations.Service, stage string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		st, err := svc.Status(context.Background(), operations.Actor{}, operations.StatusInput{CallID: "AP-SUD-2030"})
		if err == nil && st.Stage == stage {
			return
		}
		last = fmt.Sprint(st.Stage, " ", err)
	}
	t.Fatalf("the call did not reach %s (at %s)", stage, last)
}

func eligibleCount(t *testing.T, sys *workerapptest.System, call string) (n int) {
	t.Helper()
	if err := sys.DB.QueryRow(context.Background(), `SELECT count(*) FROM applications WHERE call_id = $1 AND eligible IS NOT NULL`, call).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitGrants(t *testing.T, sys *workerapptest.System, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		rows, err := sys.DB.Query(context.Background(), `SELECT grant_id FROM grants ORDER BY grant_id`)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id string
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) >= n {
			return ids
		}
	}
	t.Fatalf("fewer than %d grants started", n)
	return nil
}

func waitOrders(t *testing.T, sys *workerapptest.System, n int) {
	t.Helper()
	var got int
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_ = sys.DB.QueryRow(context.Background(), `SELECT count(*) FROM ledger WHERE kind = 'payment'`).Scan(&got)
		if got >= n {
			return
		}
	}
	t.Fatalf("%d payment orders, want %d", got, n)
}
