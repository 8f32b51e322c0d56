package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/ui"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/chromedp/chromedp"
)

// The applicant's journey in a real Chromium, in French and in Dutch:
// sign in from the link Mailpit received, see the open call and its
// rules, apply (a mistyped amount is shown beside its field and changes
// nothing), see the receipt page and the receipt mail, and find the
// file among its own. axe-core finds no serious or critical violation on
// any page visited.
func TestApplicantAppliesInTheBrowser(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB}
	call, err := os.ReadFile(filepath.Join("..", "..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Launch(ctx, operations.Actor{Name: "officer"}, operations.LaunchInput{Call: call, Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	web := startPortal(t, sys, svc)
	b := testenv.StartBrowser(t)
	accessible := func(page string) {
		t.Helper()
		for _, v := range testenv.Accessibility(t, b) {
			t.Errorf("%s: %s", page, v)
		}
	}
	for _, j := range []struct {
		lang, org, email, title             string
		signIn, files, calls, apply, submit string
		received, refused                   string
	}{
		{"fr", "Solsoc", "projets@solsoc.example", "Économie sociale à Gaza",
			"Recevoir un lien de connexion", "Mes dossiers", "Appels à projets ouverts", "Déposer un projet", "Déposer la demande",
			"Votre demande est reçue sous la référence", "La demande n'a pas été acceptée"},
		{"nl", "Oxfam-Solidariteit", "info@oxfam.example", "Waterputten in Kinshasa",
			"Een aanmeldlink ontvangen", "Mijn dossiers", "Open projectoproepen", "Een project indienen", "De aanvraag indienen",
			"Uw aanvraag is ontvangen onder referentie", "De aanvraag werd niet aanvaard"},
	} {
		if _, err := sys.DB.Exec(ctx, `INSERT INTO applicants (name, name_key) VALUES ($1, $2)`, j.org, intake.NameKey(j.org)); err != nil {
			t.Fatal(err)
		}
		id, err := auth.CreateUser(ctx, sys.DB, "Contact "+j.org, j.email, "", "test", auth.Applicant)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sys.DB.Exec(ctx, `UPDATE users SET applicant_id = (SELECT applicant_id FROM applicants WHERE name = $2) WHERE user_id = $1`, id, j.org); err != nil {
			t.Fatal(err)
		}

		// The home page in the applicant's language, then the link by mail.
		before := len(sys.Mailpit.Messages(t))
		b.Run(t, 30*time.Second, chromedp.Navigate(web+"/lang/"+j.lang+"?back=/"), chromedp.WaitVisible("main h1"))
		if got := b.Text(t); !strings.Contains(got, j.signIn) {
			t.Fatalf("%s home page:\n%s", j.lang, got)
		}
		accessible(j.lang + " home")
		b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`a[href="/auth/link"]`)), chromedp.WaitVisible(`input[name="email"]`),
			chromedp.SendKeys(`input[name="email"]`, j.email), testenv.Loads(chromedp.Submit(`input[name="email"]`)))
		mails := sys.Mailpit.WaitFor(t, before+1, 20*time.Second)
		link := ""
		for _, m := range mails {
			if m.Recipient() == j.email {
				link = regexp.MustCompile(regexp.QuoteMeta(web) + `/auth/link\?token=[A-Za-z0-9_-]+`).FindString(sys.Mailpit.Get(t, m.ID).Text)
			}
		}
		if link == "" {
			t.Fatalf("no sign-in link mailed to %s", j.email)
		}
		b.Run(t, 30*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(`form[action="/auth/link/consume"] button`),
			testenv.Loads(chromedp.Click(`form[action="/auth/link/consume"] button`)), chromedp.WaitVisible("main h1"))
		if got := b.Text(t); !strings.Contains(got, j.files) {
			t.Fatalf("%s: after signing in, not on its files:\n%s", j.lang, got)
		}
		accessible(j.lang + " files")

		// The open call with its rules, and the form.
		b.Run(t, 30*time.Second, chromedp.Navigate(web+"/calls"), chromedp.WaitVisible("article.call"))
		page := b.Text(t)
		for _, want := range []string{j.calls, "AP-SUD-2030", "200.400 €", "424.946 €", "Territoire palestinien occupé", "31/03/2030 23:59"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s calls page lacks %q:\n%s", j.lang, want, page)
			}
		}
		accessible(j.lang + " calls")
		b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`a[href="/calls/AP-SUD-2030/apply"]`)), chromedp.WaitVisible(`main form button[type="submit"]`))
		accessible(j.lang + " form")
		count := func() (n int) {
			_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM applications`).Scan(&n)
			return n
		}
		applied := count()
		fill := func(amount string) {
			b.Run(t, 30*time.Second,
				chromedp.SetValue(`#title`, j.title), chromedp.SetValue(`#region`, "Territoire palestinien occupé"),
				chromedp.SetValue(`#amount`, amount), chromedp.SetValue(`#summary`, "Coopératives de femmes.\nDeux ans."),
				chromedp.SetValue(`#duration_months`, "24"), chromedp.SetValue(`#contact_name`, "Contact "+j.org),
				chromedp.SetValue(`#email`, j.email), chromedp.SetValue(`#iban`, "BE68 5390 0754 7034"),
				testenv.Loads(chromedp.Click(`main form button[type="submit"]`)), chromedp.WaitVisible("main h1"))
		}
		fill("beaucoup")
		if got := b.Text(t); !strings.Contains(got, j.refused) || count() != applied {
			t.Fatalf("%s: a mistyped amount must be refused and change nothing (%d applications, were %d):\n%s", j.lang, count(), applied, got)
		}
		if invalid := testenv.Eval[string](t, b, `[...document.querySelectorAll('[aria-invalid="true"]')].map(e => e.id).join(",")`); invalid != "amount" {
			t.Errorf("%s: fields marked invalid: %q, want amount", j.lang, invalid)
		}
		accessible(j.lang + " form with a problem")
		fill("80.000 €")
		page = b.Text(t)
		ref := regexp.MustCompile(`AP-SUD-2030-\d{4}`).FindString(page)
		if !strings.Contains(page, j.received) || ref == "" || count() != applied+1 {
			t.Fatalf("%s: the receipt page:\n%s", j.lang, page)
		}
		accessible(j.lang + " receipt")
		receipt := false
		for deadline := time.Now().Add(20 * time.Second); !receipt && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			for _, m := range sys.Mailpit.Messages(t) {
				receipt = receipt || (m.Recipient() == j.email && strings.Contains(m.Subject, ref))
			}
		}
		if !receipt {
			t.Errorf("%s: no receipt mail for %s to %s", j.lang, ref, j.email)
		}
		b.Run(t, 30*time.Second, chromedp.Navigate(web+"/files"), chromedp.WaitVisible("table"))
		if got := b.Text(t); !strings.Contains(got, ref) || !strings.Contains(got, j.title) {
			t.Errorf("%s: its files do not list %s:\n%s", j.lang, ref, got)
		}
		// Signing out ends the session: the files are behind the sign-in again.
		b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`form.signout button`)), chromedp.WaitVisible("main h1"),
			chromedp.Navigate(web+"/files"), chromedp.WaitVisible("main h1"))
		if got := b.Text(t); !strings.Contains(got, j.signIn) {
			t.Errorf("%s: after signing out, /files shows:\n%s", j.lang, got)
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Logf("browser notes: %v", p)
	}
}

// startPortal serves the API, the sign-in links and the pages over sys,
// and returns its address.
func startPortal(t *testing.T, sys *workerapptest.System, svc *operations.Service) string {
	t.Helper()
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sys.Mailpit.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewUnstartedServer(nil)
	base := "http://" + web.Listener.Addr().String()
	pages, err := ui.New(ui.Config{Service: svc, DB: sys.DB, SessionCookie: portal.SessionCookie})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := portal.New(portal.Config{Service: svc, DB: sys.DB, Pages: pages,
		Links: &portal.LinkConfig{Mailer: portal.MailLinks(m, 15*time.Minute), PublicURL: base, Policy: auth.LinkPolicy{Life: 15 * time.Minute}}},
		portal.Routes(svc))
	if err != nil {
		t.Fatal(err)
	}
	web.Config.Handler = srv.Handler()
	web.Start()
	t.Cleanup(web.Close)
	_ = http.StatusOK
	return base
}
