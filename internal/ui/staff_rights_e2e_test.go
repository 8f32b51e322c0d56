package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
)

// Each office page and form is refused to a person whose role does not
// hold its right (403, in their language, nothing changed: no audit
// entry), sent to sign in when signed out, and refused without the
// session's CSRF token; the roles that hold it get the page.
func TestStaffPagesKeepToTheirRoles(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB}
	call, err := os.ReadFile(filepath.Join("..", "..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Launch(ctx, operations.Actor{Name: "system:test", Role: "system"}, operations.LaunchInput{Call: call, Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	web := startPortal(t, sys, svc)
	type session struct{ cookie, csrf string }
	sessions := map[auth.Role]session{}
	for _, role := range []auth.Role{auth.Officer, auth.Finance, auth.Manager, auth.Reviewer, auth.Applicant} {
		id, err := auth.CreateUser(ctx, sys.DB, "Person "+string(role), string(role)+"@office.example", "", "test", role)
		if err != nil {
			t.Fatal(err)
		}
		s, err := auth.OpenSession(ctx, sys.DB, id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		sessions[role] = session{s.Cookie, s.CSRF}
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(role auth.Role, method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			if s, ok := sessions[role]; ok && form.Get("csrf") == "session" {
				form.Set("csrf", s.csrf)
			}
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, web+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept-Language", "nl")
		if s, ok := sessions[role]; ok {
			req.AddCookie(&http.Cookie{Name: portal.SessionCookie, Value: s.cookie})
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	audited := func() (n int) {
		_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n)
		return n
	}
	form := func(kv ...string) url.Values {
		v := url.Values{"csrf": {"session"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	pages := []struct {
		method, path string
		form         url.Values
		allowed      []auth.Role
	}{
		{"GET", "/office", nil, []auth.Role{auth.Officer, auth.Manager}},
		{"GET", "/office/calls/AP-SUD-2030", nil, []auth.Role{auth.Officer, auth.Manager}},
		{"GET", "/office/calls/AP-SUD-2030/applications", nil, []auth.Role{auth.Officer, auth.Manager}},
		{"GET", "/office/calls/AP-SUD-2030/applications?format=csv", nil, []auth.Role{auth.Officer, auth.Manager}},
		{"GET", "/payments", nil, []auth.Role{auth.Finance}},
		{"GET", "/portfolio", nil, []auth.Role{auth.Officer, auth.Finance, auth.Manager}},
		{"POST", "/office/calls/AP-SUD-2030/screen", form("reference", "AP-SUD-2030-0001", "verdict", "eligible"), nil},
		{"POST", "/office/calls/AP-SUD-2030/end-screening", form(), nil},
		{"POST", "/office/calls/AP-SUD-2030/decide", form("decree", "AG-1"), nil},
		{"POST", "/office/calls/AP-SUD-2030/approve", form("action", "call.decide"), nil},
		{"POST", "/payments/confirm", form("grant", "GRANT-AP-SUD-2030-0001", "tranche", "1", "on", "2030-07-01"), nil},
		{"POST", "/payments/approve", form("grant", "GRANT-AP-SUD-2030-0001", "action", "grant.paid"), nil},
	}
	writers := map[string][]auth.Role{ // who may send each form (it then fails on the call's stage, not on rights)
		"/office/calls/AP-SUD-2030/screen": {auth.Officer}, "/office/calls/AP-SUD-2030/end-screening": {auth.Officer},
		"/office/calls/AP-SUD-2030/decide": {auth.Officer}, "/office/calls/AP-SUD-2030/approve": {auth.Officer},
		"/payments/confirm": {auth.Finance}, "/payments/approve": {auth.Finance},
	}
	for _, pg := range pages {
		allowed := pg.allowed
		if pg.method == "POST" {
			allowed = writers[pg.path]
		}
		before := audited()
		if code, to, _ := send("", pg.method, pg.path, pg.form); code != http.StatusSeeOther || !strings.HasPrefix(to, "/?signin") {
			t.Errorf("signed out, %s %s: %d → %q, want the sign-in", pg.method, pg.path, code, to)
		}
		for role := range sessions {
			code, _, body := send(role, pg.method, pg.path, cloneForm(pg.form))
			ok := false
			for _, a := range allowed {
				ok = ok || a == role
			}
			switch {
			case !ok && (code != http.StatusForbidden || !strings.Contains(body, "Uw rol laat deze handeling niet toe")):
				t.Errorf("%s: %s %s answered %d, want 403 in Dutch:\n%.300s", role, pg.method, pg.path, code, body)
			case ok && pg.method == "GET" && code != http.StatusOK:
				t.Errorf("%s: %s %s answered %d, want the page:\n%.300s", role, pg.method, pg.path, code, body)
			case ok && pg.method == "POST" && code == http.StatusForbidden:
				t.Errorf("%s: %s %s refused a role that holds its right:\n%.300s", role, pg.method, pg.path, body)
			}
		}
		if pg.method == "POST" {
			// Without the session's token, even the right role changes nothing.
			f := cloneForm(pg.form)
			f.Set("csrf", "forged")
			if code, _, _ := send(allowed[0], pg.method, pg.path, f); code != http.StatusForbidden {
				t.Errorf("%s %s without the CSRF token: %d, want 403", pg.method, pg.path, code)
			}
		}
		if pg.method == "POST" {
			continue // the allowed role's attempt is audited as refused (the call is still open)
		}
		if got := audited(); got != before {
			t.Errorf("%s %s: reading it wrote %d audit entries", pg.method, pg.path, got-before)
		}
	}
	var wrongStage int
	if err := sys.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE result = 'ok' AND action NOT LIKE 'call.launch%'`).Scan(&wrongStage); err != nil || wrongStage != 0 {
		t.Errorf("%d actions succeeded on an open call through forms that must not (err %v)", wrongStage, err)
	}
}

func cloneForm(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
