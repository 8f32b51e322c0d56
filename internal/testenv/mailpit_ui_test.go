package testenv

import (
	"fmt"
	"net/http"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Issue 11 point 1: the README sends officers to Mailpit's page, which was
// blank because a `go install`ed Mailpit has no web assets. This opens the
// page in headless Chromium and reads the inbox as a person would.
func TestMailpitWebPageListsMail(t *testing.T) {
	m := StartMailpit(t)
	b := StartBrowser(t)

	subjects := []string{"Call 2026-01: receipt of your application", "Call 2026-01: decision"}
	for i, subject := range subjects {
		msg := fmt.Sprintf("From: calls@callcycle.test\r\nTo: applicant%d@example.org\r\nSubject: %s\r\n\r\nBody %d.\r\n", i, subject, i)
		addr := fmt.Sprintf("127.0.0.1:%d", m.SMTPPort)
		if err := smtp.SendMail(addr, nil, "calls@callcycle.test", []string{fmt.Sprintf("applicant%d@example.org", i)}, []byte(msg)); err != nil {
			t.Fatalf("send %q: %v", subject, err)
		}
	}
	if got := m.WaitFor(t, len(subjects), 10*time.Second); len(got) != len(subjects) {
		t.Fatalf("mailpit holds %d messages, want %d", len(got), len(subjects))
	}

	// The page's HTML is served either way; only the bundle makes it show
	// anything. Reported before the browser check so the cause is named.
	for _, asset := range []string{"/dist/app.js", "/dist/app.css"} {
		resp, err := http.Get(m.API + asset)
		if err != nil {
			t.Fatalf("GET %s: %v", asset, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s (a Mailpit built by plain `go install` has no web assets; rebuild with `go run ./devstack tools`)", asset, resp.Status)
		}
	}

	// Rows are rendered by the Vue app from the API, so they exist only if
	// the script loaded and ran. data-testid is upstream's own e2e hook.
	err := b.TryRun(30*time.Second,
		chromedp.Navigate(m.API+"/"),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll('[data-testid="message-row"]').length >= %d`, len(subjects)),
			chromedp.WithPollingInterval(100*time.Millisecond)),
	)
	if err != nil {
		t.Fatalf("inbox did not list %d messages: %v\npage text: %q\npage problems:\n  %s",
			len(subjects), err, b.Text(t), strings.Join(b.Problems(), "\n  "))
	}
	rows := Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="message-row"]')].map(r => r.innerText)`)
	page := strings.Join(rows, "\n")
	for _, s := range subjects {
		if !strings.Contains(page, s) {
			t.Errorf("inbox does not list %q; rows:\n%s", s, page)
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("page loaded with problems:\n  %s", strings.Join(p, "\n  "))
	}
}
