package ui_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
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
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// The applicant's journey in a real Chromium, in French and in Dutch:
// sign in from the link Mailpit received, see the open call and its
// rules, apply (a mistyped amount, and a budget that is an HTML page
// named .xlsx, are shown beside their fields and change nothing) with
// its statutes (a PDF) and budget (an XLSX), see the receipt page, its
// files listed there and the receipt mail, download the budget (the
// same bytes, as a download that is never sniffed), and find the file
// among its own. A form sent after the call's deadline is refused with
// the reason, in Dutch. axe-core finds no serious or critical violation
// on any page visited.
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
	dir := t.TempDir()
	pdfPath, xlsxPath, fakePath := filepath.Join(dir, "statuts.pdf"), filepath.Join(dir, "budget.xlsx"), filepath.Join(dir, "budget-faux.xlsx")
	xlsx := budgetWorkbook(t)
	for path, data := range map[string][]byte{pdfPath: []byte(minimalPDF), xlsxPath: xlsx,
		fakePath: []byte("<!doctype html><title>x</title><script>alert(document.cookie)</script>")} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
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
		wrongType, attachments, closed      string
		bounds                              string
	}{
		{"fr", "Solsoc", "projets@solsoc.example", "Économie sociale à Gaza",
			"Recevoir un lien de connexion", "Mes dossiers", "Appels à projets ouverts", "Déposer un projet", "Déposer la demande",
			"Votre demande est reçue sous la référence", "La demande n'a pas été acceptée",
			"budget-faux.xlsx n'est pas un fichier PDF, XLSX, DOCX ou ODS", "Pièces jointes", "", "un montant de 10.000 € à 125.000 €"},
		{"nl", "Oxfam-Solidariteit", "info@oxfam.example", "Waterputten in Kinshasa",
			"Een aanmeldlink ontvangen", "Mijn dossiers", "Open projectoproepen", "Een project indienen", "De aanvraag indienen",
			"Uw aanvraag is ontvangen onder referentie", "De aanvraag werd niet aanvaard",
			"budget-faux.xlsx is geen PDF-, XLSX-, DOCX- of ODS-bestand", "Bijlagen", "De oproep aanvaardt sinds", "een bedrag van 10.000 € tot 125.000 €"},
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
		b.Run(t, 30*time.Second, testenv.Loads(chromedp.Click(`a[href="/auth/link"]`)), chromedp.WaitVisible(`input[name="email"]`))
		// The sign-in pages speak the applicant's language too.
		if lang := testenv.Eval[string](t, b, `document.documentElement.lang`); lang != j.lang {
			t.Errorf("the sign-in page is in %q, want %s", lang, j.lang)
		}
		accessible(j.lang + " sign-in link form")
		b.Run(t, 30*time.Second, chromedp.SendKeys(`input[name="email"]`, j.email), testenv.Loads(chromedp.Submit(`input[name="email"]`)))
		accessible(j.lang + " sign-in link sent")
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
		files := func() (n int) {
			_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM attachments`).Scan(&n)
			return n
		}
		kept := files()
		fill := func(title, amount string, uploads ...string) {
			actions := []chromedp.Action[chromedp.Void]{
				chromedp.SetValue(`#title`, title), chromedp.SetValue(`#region`, "Territoire palestinien occupé"),
				chromedp.SetValue(`#amount`, amount), chromedp.SetValue(`#summary`, "Coopératives de femmes.\nDeux ans."),
				chromedp.SetValue(`#duration_months`, "24"), chromedp.SetValue(`#contact_name`, "Contact "+j.org),
				chromedp.SetValue(`#email`, j.email), chromedp.SetValue(`#iban`, "BE68 5390 0754 7034")}
			for i, field := range []string{"#statutes", "#budget"} {
				if i < len(uploads) {
					actions = append(actions, chromedp.SetUploadFiles(field, []string{uploads[i]}))
				}
			}
			b.Run(t, 30*time.Second, append(actions,
				testenv.Loads(chromedp.Click(`main form button[type="submit"]`)), chromedp.WaitVisible("main h1"))...)
		}
		invalid := func() string {
			return testenv.Eval[string](t, b, `[...document.querySelectorAll('[aria-invalid="true"]')].map(e => e.id).join(",")`)
		}
		fill(j.title, "beaucoup")
		if got := b.Text(t); !strings.Contains(got, j.refused) || count() != applied {
			t.Fatalf("%s: a mistyped amount must be refused and change nothing (%d applications, were %d):\n%s", j.lang, count(), applied, got)
		}
		if got := invalid(); got != "amount" {
			t.Errorf("%s: fields marked invalid: %q, want amount", j.lang, got)
		}
		accessible(j.lang + " form with a problem")
		// A budget that is an HTML page named .xlsx, with an amount over the
		// call's maximum: both refused beside their fields, in the
		// applicant's language, nothing submitted, no file kept.
		fill(j.title, "500.000 €", pdfPath, fakePath)
		if got := b.Text(t); !strings.Contains(got, j.refused) || !strings.Contains(got, j.wrongType) || !strings.Contains(got, j.bounds) ||
			count() != applied || files() != kept {
			t.Fatalf("%s: a wrong-type budget must be refused and change nothing (%d applications, were %d; %d files, were %d):\n%s",
				j.lang, count(), applied, files(), kept, got)
		}
		if got := invalid(); got != "amount,budget" {
			t.Errorf("%s: fields marked invalid: %q, want amount,budget", j.lang, got)
		}
		accessible(j.lang + " form with a wrong file")
		if j.lang == "fr" {
			b.Keep(t, "applicant-apply.png")
		}
		fill(j.title, "80.000 €", pdfPath, xlsxPath)
		page = b.Text(t)
		ref := regexp.MustCompile(`AP-SUD-2030-\d{4}`).FindString(page)
		if !strings.Contains(page, j.received) || ref == "" || count() != applied+1 || files() != kept+2 {
			t.Fatalf("%s: the receipt page (%d files kept, want %d):\n%s", j.lang, files(), kept+2, page)
		}
		for _, want := range []string{j.attachments, "statuts.pdf", "budget.xlsx", "PDF", "XLSX"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the file page lacks %q:\n%s", j.lang, want, page)
			}
		}
		accessible(j.lang + " receipt")
		downloadMatches(t, b, web, "budget.xlsx", xlsx)
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
		if j.closed != "" {
			// The form is open in the browser; the deadline passes before
			// it is sent: the workflow refuses it, the page says why.
			b.Run(t, 30*time.Second, chromedp.Navigate(web+"/calls/AP-SUD-2030/apply"), chromedp.WaitVisible(`main form button[type="submit"]`))
			deadline := time.Now().Add(2 * time.Second)
			if _, err := svc.Extend(ctx, operations.Actor{Name: "officer"}, operations.ExtendInput{CallID: "AP-SUD-2030", Deadline: deadline}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Until(deadline) + time.Second)
			applied, kept := count(), files()
			fill("Een tweede project", "50.000 €", pdfPath, xlsxPath)
			if got := b.Text(t); !strings.Contains(got, j.closed) || count() != applied || files() != kept {
				t.Errorf("%s: a form sent after the deadline must be refused with the reason and change nothing:\n%s", j.lang, got)
			}
			accessible(j.lang + " form after the deadline")
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

// minimalPDF is a small, valid PDF (one empty page).
const minimalPDF = "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n" +
	"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"

// budgetWorkbook is a small, real XLSX budget.
func budgetWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"Poste", "Montant"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"Formation", 12000})
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// downloadMatches clicks the page's link named name and waits for the
// browser to save the download: the same bytes as want. The same link,
// asked with the browser's session, is a download (Content-Disposition:
// attachment), never sniffed and never HTML.
func downloadMatches(t *testing.T, b *testenv.Browser, web, name string, want []byte) {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(b.Context(), browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(name)
	href := testenv.Eval[string](t, b, `(([...document.querySelectorAll('main a')].find(a => a.textContent.trim() === `+string(quoted)+`) || {}).href || "")`)
	if href == "" {
		t.Fatalf("no download link %q on the page", name)
	}
	b.Run(t, 30*time.Second, chromedp.Click(`main a[href="`+strings.TrimPrefix(href, web)+`"]`))
	var got []byte
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) == len(want) {
			got = b
			break
		}
	}
	if sha256.Sum256(got) != sha256.Sum256(want) {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("download %s: %d bytes saved (%v), checksum differs from the file sent (%d bytes)", name, len(got), entries, len(want))
	}
	cookies, err := chromedp.Call(b.Context(), network.GetCookies, network.GetCookiesParams{URLs: []string{web}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", href, nil)
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 200 || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || !strings.Contains(h.Get("Content-Disposition"), name) ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Type") == "" || strings.Contains(h.Get("Content-Type"), "html") {
		t.Errorf("download %s: %d, served as %q, %q, nosniff %q", name, resp.StatusCode, h.Get("Content-Type"), h.Get("Content-Disposition"), h.Get("X-Content-Type-Options"))
	}
}
