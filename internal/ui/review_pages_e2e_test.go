package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/ui"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
)

// The reviewer's pages keep to their reviewers: signed out, sent to sign
// in; another role, refused (403); a reviewer of other calls, told the
// call is none of its (404); before declaring, sent to the declaration
// from every page of the call's files; a form without the session's CSRF
// token, refused with nothing changed. The workbook is served as an
// attachment that no browser runs.
func TestReviewerPagesKeepToTheirReviewers(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	svc := &operations.Service{Temporal: sys.Temporal, DB: sys.DB}
	const call = "AP-CMS-UI"
	toCommitteeReview(t, svc, call)
	pages, err := ui.New(ui.Config{Service: svc, DB: sys.DB, SessionCookie: portal.SessionCookie})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := portal.New(portal.Config{Service: svc, DB: sys.DB, Pages: pages}, portal.Routes(svc))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(srv.Handler())
	t.Cleanup(web.Close)

	type session struct{ cookie, csrf string }
	person := func(name, email string, role auth.Role) session {
		id, err := auth.CreateUser(ctx, sys.DB, name, email, "", "test", role)
		if err != nil {
			t.Fatal(err)
		}
		s, err := auth.OpenSession(ctx, sys.DB, id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return session{s.Cookie, s.CSRF}
	}
	rita := person("Rita Reviewer", "rita@office.example", auth.Reviewer)
	nina := person("Nina Outsider", "nina@office.example", auth.Reviewer)
	olga := person("Olga Officer", "olga@office.example", auth.Officer)
	ana := person("Ana Applicant", "ana@ulb.example", auth.Applicant)
	if _, err := svc.AssignReviewer(ctx, operations.Actor{Name: "officer"}, operations.AssignReviewerInput{CallID: call, Email: "rita@office.example"}); err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(s *session, method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, web.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if s != nil {
			req.AddCookie(&http.Cookie{Name: portal.SessionCookie, Value: s.cookie})
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	sheet := "/reviews/" + call
	for _, c := range []struct {
		who      string
		s        *session
		path     string
		status   int
		location string
	}{
		{"signed out", nil, "/reviews", http.StatusSeeOther, "/?signin=1"},
		{"signed out", nil, sheet, http.StatusSeeOther, "/?signin=1"},
		{"an officer", &olga, "/reviews", http.StatusForbidden, ""},
		{"an officer", &olga, sheet + "/sheet.xlsx", http.StatusForbidden, ""},
		{"an applicant", &ana, sheet, http.StatusForbidden, ""},
		{"a reviewer of other calls", &nina, sheet, http.StatusNotFound, ""},
		{"a reviewer of other calls", &nina, sheet + "/declaration", http.StatusNotFound, ""},
		{"before declaring", &rita, sheet, http.StatusSeeOther, sheet + "/declaration"},
		{"before declaring", &rita, sheet + "/files/" + call + "-0001", http.StatusSeeOther, sheet + "/declaration"},
		{"before declaring", &rita, sheet + "/sheet.xlsx", http.StatusSeeOther, sheet + "/declaration"},
		{"before declaring", &rita, sheet + "/ranking", http.StatusSeeOther, sheet + "/declaration"},
	} {
		resp, body := send(c.s, "GET", c.path, nil)
		if resp.StatusCode != c.status || resp.Header.Get("Location") != c.location {
			t.Errorf("%s: GET %s: %d to %q, want %d to %q\n%.300s", c.who, c.path, resp.StatusCode, resp.Header.Get("Location"), c.status, c.location, body)
		}
	}
	declared := func() (ok bool) {
		_ = sys.DB.QueryRow(ctx, `SELECT declared_at IS NOT NULL FROM reviewer_assignments WHERE call_id = $1`, call).Scan(&ok)
		return ok
	}
	if resp, _ := send(&rita, "POST", sheet+"/declaration", url.Values{"confidential": {"yes"}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden || declared() {
		t.Fatalf("a declaration without the session's token: %d, declared %v", resp.StatusCode, declared())
	}
	if resp, body := send(&rita, "POST", sheet+"/declaration", url.Values{"csrf": {rita.csrf}}); resp.StatusCode != http.StatusUnprocessableEntity || declared() {
		t.Fatalf("a declaration without the confidentiality undertaking: %d, declared %v\n%.300s", resp.StatusCode, declared(), body)
	}
	if resp, _ := send(&rita, "POST", sheet+"/declaration", url.Values{"confidential": {"yes"}, "csrf": {rita.csrf}}); resp.StatusCode != http.StatusSeeOther || !declared() {
		t.Fatalf("the declaration: %d, declared %v", resp.StatusCode, declared())
	}
	saved := func() (n int) {
		_ = sys.DB.QueryRow(ctx, `SELECT count(*) FROM review_sheet_scores`).Scan(&n)
		return n
	}
	score := url.Values{"reference": {call + "-0001"}, "score.pertinence": {"7"}, "score.impact": {"6"}}
	for _, c := range []struct {
		who  string
		s    *session
		csrf string
		want int
	}{
		{"a forged token", &rita, "forged", http.StatusForbidden},
		{"an officer", &olga, olga.csrf, http.StatusForbidden},
		{"a reviewer of other calls", &nina, nina.csrf, http.StatusNotFound},
	} {
		form := url.Values{}
		for k, v := range score {
			form[k] = v
		}
		form.Set("csrf", c.csrf)
		if resp, _ := send(c.s, "POST", sheet+"/scores", form); resp.StatusCode != c.want || saved() != 0 {
			t.Errorf("%s scores: %d (want %d), %d scores saved", c.who, resp.StatusCode, c.want, saved())
		}
	}
	score.Set("csrf", rita.csrf)
	if resp, _ := send(&rita, "POST", sheet+"/scores", score); resp.StatusCode != http.StatusSeeOther || saved() != 1 {
		t.Fatalf("Rita's scores: %d, %d saved", resp.StatusCode, saved())
	}
	resp, body := send(&rita, "GET", sheet+"/sheet.xlsx", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") ||
		resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the workbook: %d %v", resp.StatusCode, resp.Header)
	}
}
