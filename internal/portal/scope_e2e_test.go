package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
)

// Who reads which application: an applicant its own organisation's
// only, and another's reference (they are sequential) is answered as
// one that does not exist; a reviewer the calls it is assigned to, once
// it declared, without its conflicts; finance the granted ones; the
// officer all.
func TestApplicationScoping(t *testing.T) {
	t.Parallel()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	ctx := context.Background()
	do := caller(t, apiOn(t, sys).URL)
	token := func(name string, roles ...auth.Role) (string, string) {
		return personWithToken(t, sys, name, strings.ReplaceAll(name, " ", ".")+"@scope.example", "", roles...)
	}
	officer, _ := token("Awa Officer", auth.Officer)
	finance, _ := token("Fatou Finance", auth.Finance)
	solsoc, solsocID := token("Sophie Solsoc", auth.Applicant)
	other, otherID := token("Omar Other", auth.Applicant)
	reviewer, _ := token("Rita Reviewer", auth.Reviewer)
	outsider, _ := token("Ugo Unassigned", auth.Reviewer)

	call, err := os.ReadFile(filepath.Join("..", "..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if code, body := do(officer, "POST", "/api/v1/calls", string(call)); code != 200 {
		t.Fatalf("launch: %d %s", code, body)
	}
	app, err := os.ReadFile(filepath.Join("..", "..", "examples", "application.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	apply := func(yaml string) string {
		body, _ := json.Marshal(operations.ApplyInput{Application: []byte(yaml), Source: "app.yaml"})
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			code, out := do(officer, "POST", "/api/v1/calls/AP-SUD-2030/applications", string(body))
			var r operations.ApplyResult
			if code == 200 && json.Unmarshal([]byte(out), &r) == nil {
				return r.Reference
			}
			if time.Now().After(deadline) {
				t.Fatalf("apply: %d %s", code, out)
			}
		}
	}
	mine := apply(string(app))
	theirs := apply(strings.NewReplacer("association: Solsoc", "association: Autre Terre", "Développement d'Initiatives", "Projet secret",
		"projets@solsoc.example", "info@autreterre.example").Replace(string(app)))
	for id, org := range map[string]string{solsocID: "Solsoc", otherID: "Autre Terre"} {
		if _, err := sys.DB.Exec(ctx, `UPDATE users SET applicant_id = (SELECT applicant_id FROM applicants WHERE name = $2) WHERE user_id = $1`, id, org); err != nil {
			t.Fatal(err)
		}
	}

	// An applicant applies for its own organisation, and only for it.
	count := func() (n int) {
		if err := sys.DB.QueryRow(ctx, `SELECT count(*) FROM applications`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	forOther, _ := json.Marshal(operations.ApplyInput{Application: []byte(strings.NewReplacer("association: Solsoc", "association: Autre Terre",
		"Développement d'Initiatives", "Deuxième projet").Replace(string(app))), Source: "other.yaml"})
	if code, body := do(solsoc, "POST", "/api/v1/calls/AP-SUD-2030/my/application", string(forOther)); code != 422 || !strings.Contains(body, "own organisation") || count() != before {
		t.Errorf("applying for another organisation: %d %s, %d applications (was %d)", code, body, count(), before)
	}
	ownSecond, _ := json.Marshal(operations.ApplyInput{Application: []byte(strings.Replace(string(app), "Développement d'Initiatives", "Deuxième projet", 1)), Source: "own.yaml"})
	var second operations.ApplyResult
	if code, body := do(solsoc, "POST", "/api/v1/calls/AP-SUD-2030/my/application", string(ownSecond)); code != 200 || json.Unmarshal([]byte(body), &second) != nil {
		t.Fatalf("applying for its own organisation: %d %s", code, body)
	}

	// The applicant: its own file; another's answered as none at all.
	if code, body := do(solsoc, "GET", "/api/v1/applications/"+mine, ""); code != 200 || !strings.Contains(body, "Développement") {
		t.Errorf("own application: %d %s", code, body)
	}
	codeTheirs, bodyTheirs := do(solsoc, "GET", "/api/v1/applications/"+theirs, "")
	codeNone, bodyNone := do(solsoc, "GET", "/api/v1/applications/AP-SUD-2030-0099", "")
	if codeTheirs != http.StatusNotFound || strings.Contains(bodyTheirs, "secret") ||
		strings.Replace(bodyTheirs, theirs, "REF", 1) != strings.Replace(bodyNone, "AP-SUD-2030-0099", "REF", 1) || codeNone != codeTheirs {
		t.Errorf("another organisation's %s must read as a missing one:\n%d %s\n%d %s", theirs, codeTheirs, bodyTheirs, codeNone, bodyNone)
	}
	refs := func(tok, path string) []string {
		t.Helper()
		code, body := do(tok, "GET", path, "")
		var r operations.ApplicationsResult
		if code != 200 || json.Unmarshal([]byte(body), &r) != nil {
			return []string{"status " + http.StatusText(code) + ": " + body}
		}
		var out []string
		for _, a := range r.Applications {
			out = append(out, a.Reference)
		}
		return out
	}
	for who, c := range map[string]struct {
		tok, path string
		want      []string
	}{
		"applicant, the call":      {solsoc, "/api/v1/calls/AP-SUD-2030/applications", []string{mine, second.Reference}},
		"applicant, its own":       {solsoc, "/api/v1/my/applications", []string{mine, second.Reference}},
		"other applicant, its own": {other, "/api/v1/my/applications", []string{theirs}},
		"officer":                  {officer, "/api/v1/calls/AP-SUD-2030/applications", []string{mine, theirs, second.Reference}},
		"finance, none granted":    {finance, "/api/v1/calls/AP-SUD-2030/applications", nil},
	} {
		if got := refs(c.tok, c.path); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", who, got, c.want)
		}
	}
	if code, _ := do(finance, "GET", "/api/v1/applications/"+mine, ""); code != http.StatusNotFound {
		t.Errorf("finance reading an application not granted: %d", code)
	}

	// Reviewers: nothing before the assignment and the declaration.
	if code, body := do(reviewer, "GET", "/api/v1/calls/AP-SUD-2030/applications", ""); code != http.StatusForbidden {
		t.Errorf("a reviewer not assigned: %d %s", code, body)
	}
	if code, body := do(officer, "POST", "/api/v1/calls/AP-SUD-2030/reviewers", `{"email": "Rita.Reviewer@scope.example"}`); code != 200 {
		t.Fatalf("assign: %d %s", code, body)
	}
	if code, body := do(officer, "POST", "/api/v1/calls/AP-SUD-2030/reviewers", `{"email": "Fatou.Finance@scope.example"}`); code != 422 || !strings.Contains(body, "reviewer role") {
		t.Errorf("assigning someone who is not a reviewer: %d %s", code, body)
	}
	if code, body := do(reviewer, "GET", "/api/v1/calls/AP-SUD-2030/applications", ""); code != http.StatusForbidden || !strings.Contains(body, "declare") {
		t.Errorf("assigned, not declared: %d %s", code, body)
	}
	if code, body := do(reviewer, "POST", "/api/v1/calls/AP-SUD-2030/declaration", `{"conflicts": ["AP-SUD-2030-0099"]}`); code != 422 {
		t.Errorf("a conflict with no such application: %d %s", code, body)
	}
	if code, body := do(reviewer, "POST", "/api/v1/calls/AP-SUD-2030/declaration", `{"conflicts": ["`+theirs+`"]}`); code != 200 {
		t.Fatalf("declare: %d %s", code, body)
	}
	if code, body := do(reviewer, "POST", "/api/v1/calls/AP-SUD-2030/declaration", `{"conflicts": []}`); code != 200 || !strings.Contains(body, "already_done") {
		t.Errorf("declaring twice: %d %s", code, body)
	}
	// A reviewer reads the eligible files only: none before the screening.
	if got := refs(reviewer, "/api/v1/calls/AP-SUD-2030/applications"); len(got) != 0 {
		t.Errorf("declared reviewer sees %v before the screening, want none", got)
	}
	// The screening's verdicts, as the call's activity records them.
	if _, err := sys.DB.Exec(context.Background(), `UPDATE applications SET eligible = true WHERE call_id = 'AP-SUD-2030'`); err != nil {
		t.Fatal(err)
	}
	if got := refs(reviewer, "/api/v1/calls/AP-SUD-2030/applications"); strings.Join(got, ",") != mine+","+second.Reference {
		t.Errorf("declared reviewer sees %v, want %s and %s (not its conflict %s)", got, mine, second.Reference, theirs)
	}
	if code, _ := do(reviewer, "GET", "/api/v1/applications/"+theirs, ""); code != http.StatusNotFound {
		t.Errorf("a reviewer reading its conflict: %d", code)
	}
	if code, _ := do(outsider, "GET", "/api/v1/applications/"+mine, ""); code != http.StatusNotFound {
		t.Errorf("a reviewer of no call reading an application: %d", code)
	}
	if code, body := do(outsider, "POST", "/api/v1/calls/AP-SUD-2030/declaration", `{"conflicts": []}`); code != http.StatusNotFound {
		t.Errorf("declaring for a call one does not review: %d %s", code, body)
	}
	// Nothing in the answers is personal: no contact address, no account.
	for _, tok := range []string{officer, solsoc} {
		if _, body := do(tok, "GET", "/api/v1/applications/"+mine, ""); strings.Contains(body, "solsoc.example") || strings.Contains(body, "BE68") {
			t.Errorf("personal data in %s", body)
		}
	}
}
