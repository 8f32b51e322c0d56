package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
)

// The authorization matrix: every route called as every role, compared
// with the table below (who may); an unexpected allow or refusal fails.
// A refused call answers 403 with a message, changes nothing and is in
// the audit log; no token, a bad one and a revoked one answer 401.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	web := apiOn(t, sys)

	call, err := os.ReadFile(filepath.Join("..", "..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[auth.Role]string{}
	for _, r := range auth.Roles {
		tokens[r], _ = personWithToken(t, sys, "user "+string(r), string(r)+"@office.example", "sub-"+string(r), r)
	}
	do := caller(t, web.URL)
	grant := "GRANT-AP-SUD-2030-0001"
	staff := []auth.Role{auth.Officer, auth.Finance, auth.Manager}
	officer := []auth.Role{auth.Officer}
	tokenHolders := []auth.Role{auth.Officer, auth.Finance, auth.Manager, auth.Admin}
	const unknownToken = "0190c2f4-0000-7000-8000-000000000000"
	cases := []struct {
		method, path, body string
		may                []auth.Role
	}{
		{"GET", "/api/v1/me", "", auth.Roles},
		{"POST", "/api/v1/calls", string(call), officer},
		{"GET", "/api/v1/calls/AP-SUD-2030", "", staff},
		{"GET", "/api/v1/grants/" + grant, "", staff},
		{"GET", "/api/v1/audit/verify", "", staff},
		{"GET", "/api/v1/government", "", staff},
		{"GET", "/api/v1/history/call-AP-SUD-2030", "", staff},
		{"GET", "/api/v1/calls/AP-SUD-2030/payment-orders.xlsx", "", []auth.Role{auth.Officer, auth.Finance}},
		{"POST", "/api/v1/grants/" + grant + "/sign", `{"on": "2030-09-01T00:00:00Z"}`, officer},
		{"POST", "/api/v1/grants/" + grant + "/paid", `{"tranche": 1, "on": "2030-09-15T00:00:00Z"}`, []auth.Role{auth.Finance}},
		{"POST", "/api/v1/grants/" + grant + "/end-date", `{"end": "2031-12-31T00:00:00Z"}`, officer},
		{"POST", "/api/v1/grants/" + grant + "/report", `{"beneficiaries": 1, "spent": 100, "lessons": "x"}`, officer},
		{"POST", "/api/v1/grants/" + grant + "/review", `{"approve": true}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/screen", `{"reference": "AP-SUD-2030-0001", "eligible": true}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/screen/end", `{}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/decide", `{"decree": "AGRBC 2030/1", "all": true}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/carry-over", `{"budget_year": 2031}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/extend", `{"deadline": "2030-04-15T21:59:00Z"}`, officer},
		{"POST", "/api/v1/government/caretaker", `{"since": "2030-06-10T00:00:00Z"}`, officer},
		{"POST", "/api/v1/government/installed", `{"on": "2030-07-10T00:00:00Z"}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/close", `{"reason": "envelope exhausted"}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/cancel", `{"reason": "no money left"}`, officer},
		// Bodies refused by the operations (422) where a right passes: the matrix is about the 403s.
		{"POST", "/api/v1/calls/AP-SUD-2030/applications", `{"application": ""}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/applications/import", `{"file": "", "name": "x.csv"}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/screen/import", `{"file": "", "name": "x.csv"}`, officer},
		{"GET", "/api/v1/calls/AP-SUD-2030/review/scoring.xlsx", "", officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/review/import", `{"workbook": "", "name": "x.xlsx"}`, officer},
		{"GET", "/api/v1/calls/AP-SUD-2030/review/proposal.xlsx", "", officer},
		{"POST", "/api/v1/audit/export", `{"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}`, staff},
		{"POST", "/api/v1/reports/annual", `{"year": 0}`, staff},
		{"GET", "/api/v1/budget/zones", "", staff},
		{"POST", "/api/v1/budget/direct-grants", `{"year": 0}`, officer},
		{"POST", "/api/v1/budget/direct-grants/reverse", `{"year": 0}`, officer},
		{"POST", "/api/v1/budget/expenses", `{"year": 0}`, officer},
		{"POST", "/api/v1/budget/expenses/reverse", `{"year": 0}`, officer},
		{"POST", "/api/v1/budget/history", `{"year": 0}`, officer},
		{"POST", "/api/v1/budget/history/reverse", `{"year": 0}`, officer},
		// Reading applications: each reader narrowed by its right (TestApplicationScoping).
		{"GET", "/api/v1/calls/AP-SUD-2030/applications", "", []auth.Role{auth.Officer, auth.Finance, auth.Manager, auth.Applicant}},
		{"GET", "/api/v1/applications/AP-SUD-2030-0001", "", []auth.Role{auth.Officer, auth.Finance, auth.Manager, auth.Reviewer, auth.Applicant}},
		{"GET", "/api/v1/my/applications", "", []auth.Role{auth.Applicant}},
		{"GET", "/api/v1/applications/AP-SUD-2030-0001/attachments", "", []auth.Role{auth.Officer, auth.Finance, auth.Manager, auth.Reviewer, auth.Applicant}},
		{"GET", "/api/v1/applications/AP-SUD-2030-0001/attachments/1", "", []auth.Role{auth.Officer, auth.Finance, auth.Manager, auth.Reviewer, auth.Applicant}},
		{"POST", "/api/v1/applications/AP-SUD-2030-0001/attachments", `{"files": []}`, []auth.Role{auth.Officer, auth.Applicant}},
		{"POST", "/api/v1/applications/AP-SUD-2030-0001/report", `{"beneficiaries": 1}`, []auth.Role{auth.Applicant}},
		{"POST", "/api/v1/calls/AP-SUD-2030/my/application", `{"application": ""}`, []auth.Role{auth.Applicant}},
		{"POST", "/api/v1/calls/AP-SUD-2030/reviewers", `{"email": "reviewer@office.example"}`, officer},
		{"POST", "/api/v1/calls/AP-SUD-2030/declaration", `{"conflicts": []}`, []auth.Role{auth.Reviewer}},
		// A reviewer's own sheet (reviews.go); the reviewer, assigned and declared just above, meets the call's stage.
		{"GET", "/api/v1/my/reviews", "", []auth.Role{auth.Reviewer}},
		{"GET", "/api/v1/calls/AP-SUD-2030/my/sheet", "", []auth.Role{auth.Reviewer}},
		{"GET", "/api/v1/calls/AP-SUD-2030/my/sheet.xlsx", "", []auth.Role{auth.Reviewer}},
		{"POST", "/api/v1/calls/AP-SUD-2030/my/sheet", `{"workbook": "", "name": "x.xlsx"}`, []auth.Role{auth.Reviewer}},
		{"POST", "/api/v1/calls/AP-SUD-2030/my/scores", `{"reference": "AP-SUD-2030-0001", "scores": {}}`, []auth.Role{auth.Reviewer}},
		{"GET", "/api/v1/calls/AP-SUD-2030/my/ranking", "", []auth.Role{auth.Reviewer}},
		{"GET", "/api/v1/calls/AP-SUD-2030/committee", "", officer},
		{"GET", "/api/v1/tokens", "", tokenHolders},
		{"POST", "/api/v1/tokens", `{"name": "matrix", "days": 1}`, tokenHolders},
		{"DELETE", "/api/v1/tokens/" + unknownToken, "", tokenHolders},
	}
	// Four-eyes: the second person approves or refuses with the right to do the action.
	for _, a := range []struct {
		path string
		may  []auth.Role
	}{
		{"/api/v1/calls/AP-SUD-2030/decide", officer}, {"/api/v1/calls/AP-SUD-2030/cancel", officer},
		{"/api/v1/calls/AP-SUD-2030/carry-over", officer}, {"/api/v1/grants/" + grant + "/sign", officer},
		{"/api/v1/grants/" + grant + "/paid", []auth.Role{auth.Finance}}, {"/api/v1/grants/" + grant + "/end-date", officer},
		{"/api/v1/grants/" + grant + "/report", officer}, {"/api/v1/grants/" + grant + "/review", officer},
	} {
		cases = append(cases, struct {
			method, path, body string
			may                []auth.Role
		}{"POST", a.path + "/approve", `{}`, a.may}, struct {
			method, path, body string
			may                []auth.Role
		}{"POST", a.path + "/refuse", `{"reason": "no"}`, a.may})
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.method+" "+c.path] = true
		for _, r := range auth.Roles {
			code, body := do(tokens[r], c.method, c.path, c.body)
			allowed := code != http.StatusForbidden && code != http.StatusUnauthorized
			if allowed != slices.Contains(c.may, r) {
				t.Errorf("%s %s as %s: %d %s (the table says allowed=%v)", c.method, c.path, r, code, body, !allowed)
			}
			if !allowed && !strings.Contains(body, `"kind":"forbidden"`) {
				t.Errorf("%s %s as %s: refused without saying why: %s", c.method, c.path, r, body)
			}
		}
	}
	srv, err := portal.New(portal.Config{}, portal.Routes(nil)) // the same table as the server's
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range srv.Routes() { // the table covers every route
		p := rt.Path
		p = strings.NewReplacer("{call}", "AP-SUD-2030", "{grant}", grant, "{workflow}", "call-AP-SUD-2030", "{token}", unknownToken,
			"{reference}", "AP-SUD-2030-0001", "{id}", "1").Replace(p)
		if !covered[rt.Method+" "+p] {
			t.Errorf("route %s %s is not in the matrix", rt.Method, rt.Path)
		}
	}
	var forbidden int
	if err := sys.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE result = 'forbidden' AND action = 'call.close' AND target = 'AP-SUD-2030' AND actor = 'user finance'`).Scan(&forbidden); err != nil || forbidden != 1 {
		t.Errorf("finance's refused close: %d audit rows (%v), want 1", forbidden, err)
	}
	var launched int
	if err := sys.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'call.launch' AND result = 'ok' AND actor = 'user officer' AND role = 'officer'`).Scan(&launched); err != nil || launched != 1 {
		t.Errorf("the officer's launch: %d audit rows, want 1", launched)
	}

	// Who am I, and tokens that do not authenticate.
	code, body := do(tokens[auth.Finance], "GET", "/api/v1/me", "")
	var me auth.Principal
	if code != 200 || json.Unmarshal([]byte(body), &me) != nil || me.Name != "user finance" || !slices.Equal(me.Roles, []auth.Role{auth.Finance}) {
		t.Errorf("me: %d %s", code, body)
	}
	for name, tok := range map[string]string{"none": "", "malformed": "abc", "altered": tokens[auth.Officer] + "x"} {
		if code, body := do(tok, "GET", "/api/v1/me", ""); code != http.StatusUnauthorized || !strings.Contains(body, "unauthenticated") {
			t.Errorf("token %s: %d %s, want 401", name, code, body)
		}
	}
	// Bad input through the API: refused with the field, nothing changes.
	if code, body := do(tokens[auth.Officer], "POST", "/api/v1/grants/"+grant+"/sign", `{"on": "2030-09-01T00:00:00Z", "extra": 1}`); code != http.StatusUnprocessableEntity {
		t.Errorf("unknown field: %d %s, want 422", code, body)
	}
}
