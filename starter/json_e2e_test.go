package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/portal"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
	sdkpb "go.temporal.io/api/sdk/v1"
)

// jsonRun runs starter commands in this process against real services
// and decodes each --json output strictly into the command's Result type
// (resultTypes), remembering which commands were exercised.
type jsonRun struct {
	t         *testing.T
	env       map[string]string
	dir       string
	exercised map[string]bool
}

// run executes args with --json; it returns the decoded Result (a
// pointer to resultTypes[path]) or, on failure, the decoded error.
func (r *jsonRun) run(args ...string) (any, *jsonError) {
	r.t.Helper()
	root := newRoot(func(k string) (string, bool) { v, ok := r.env[k]; return v, ok })
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append(args, "--json"))
	cmd, _, err := root.Find(args)
	if err != nil {
		r.t.Fatalf("%v: %v", args, err)
	}
	path := cmd.CommandPath()
	if err := root.ExecuteContext(context.Background()); err != nil {
		_ = writeJSON(&out, errorJSON(err))
	}
	var je jsonError
	if strict(out.Bytes(), &je) == nil && je.Error.Kind != "" {
		return nil, &je
	}
	typ := resultTypes[path]
	if typ == nil {
		r.t.Fatalf("%s: no Result type", path)
	}
	v := reflect.New(typ).Interface()
	if err := strict(out.Bytes(), v); err != nil {
		r.t.Fatalf("%s --json: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	r.exercised[path] = true
	return v, nil
}

// text runs args for people (no --json) and returns what it printed.
func (r *jsonRun) text(args ...string) string {
	r.t.Helper()
	root := newRoot(func(k string) (string, bool) { v, ok := r.env[k]; return v, ok })
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		r.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// ok runs args and fails unless it succeeded.
func (r *jsonRun) ok(args ...string) any {
	r.t.Helper()
	v, je := r.run(args...)
	if je != nil {
		r.t.Fatalf("%s: %+v", strings.Join(args, " "), je.Error)
	}
	return v
}

// fails runs args and fails unless it answered an error of kind.
func (r *jsonRun) fails(kind string, args ...string) {
	r.t.Helper()
	_, je := r.run(args...)
	if je == nil || je.Error.Kind != kind || je.Error.Message == "" {
		r.t.Fatalf("%s: want a %s error, got %+v", strings.Join(args, " "), kind, je)
	}
}

// strict decodes one JSON document with no unknown field and nothing after.
func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON document")
	}
	return nil
}

// until reruns args until cond holds on its Result.
func until[R any](r *jsonRun, cond func(*R) bool, args ...string) *R {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, je := r.run(args...)
		if je == nil && cond(v.(*R)) {
			return v.(*R)
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: condition not reached (last %+v %+v)", strings.Join(args, " "), v, je)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func (r *jsonRun) file(name, content string) string {
	p := filepath.Join(r.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		r.t.Fatal(err)
	}
	return p
}

// TestEveryCommandPrintsItsResultAsJSON runs every command with --json
// through a call's whole life, and fails listing the commands it never
// saw succeed.
func TestEveryCommandPrintsItsResultAsJSON(t *testing.T) {
	sys := workerapptest.Start(t, workerapptest.Options{})
	db, dbURL, sink, out := sys.DB, sys.DatabaseURL, sys.Mailpit, sys.OutputDir
	r := &jsonRun{t: t, dir: t.TempDir(), exercised: map[string]bool{}, env: map[string]string{
		"DATABASE_URL": dbURL, "TEMPORAL_ADDRESS": sys.Address, "TEMPORAL_NAMESPACE": "default",
		"SMTP_HOST": "127.0.0.1", "SMTP_PORT": strconv.Itoa(sink.SMTPPort), "SMTP_TLS": "none", "OUTPUT_DIR": out,
	}}
	// People sign in with their tokens through the portal's API; the
	// decision and the payment need a second person.
	svc := &operations.Service{Temporal: sys.Temporal, DB: db, FourEyes: operations.AlwaysFourEyes}
	srv, err := portal.New(portal.Config{Service: svc, DB: db}, portal.Routes(svc))
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(srv.Handler())
	defer web.Close()
	tokens := map[string]string{}
	for name, role := range map[string]auth.Role{"Anne Officer": auth.Officer, "Bram Officer": auth.Officer, "Chloé Finance": auth.Finance, "Dirk Finance": auth.Finance} {
		id, err := auth.CreateUser(context.Background(), db, name, strings.Fields(name)[0]+"@office.example", "", "test", role)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := auth.CreateToken(context.Background(), db, id, "cli", time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok.Secret
	}
	r.env["CALLCYCLE_URL"], r.env["CALLCYCLE_TOKEN"] = web.URL, tokens["Anne Officer"]
	as := func(name string, f func()) {
		r.env["CALLCYCLE_TOKEN"] = tokens[name]
		defer func() { r.env["CALLCYCLE_TOKEN"] = tokens["Anne Officer"] }()
		f()
	}
	cfg, err := os.ReadFile("testdata/call-cms.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const call, other = "AP-CMS-J", "AP-CMS-K"
	today := time.Now().In(callspec.Brussels).Format("2006-01-02")
	year := strconv.Itoa(time.Now().In(callspec.Brussels).Year())
	lastYear := strconv.Itoa(time.Now().In(callspec.Brussels).Year() - 1)
	zone := "Région de Bruxelles-Capitale"

	r.ok("migrate")
	l := r.ok("launch", r.file("j.yaml", strings.ReplaceAll(string(cfg), "CALL_ID", call))).(*operations.LaunchResult)
	if l.CallID != call || l.Envelope.Cents != 5_000_000 || l.Envelope.Text != "50.000 €" || l.Reserved == nil {
		t.Errorf("launch: %+v", l)
	}
	r.ok("import", call, "testdata/applications-cms.csv")
	r.ok("apply", call, "testdata/application-cms.yaml")
	r.ok("extend", call, "2030-04-15 23:59")
	if st := r.ok("status", call).(*operations.CallStatus); st.Submitted != 3 || st.ClosedAt != nil {
		t.Errorf("status: %+v", st)
	}
	r.ok("close", call, "--reason", "enough")
	r.fails("already_done", "close", call)
	until(r, func(s *operations.CallStatus) bool { return s.Stage == workflows.StageScreening }, "status", call)
	r.ok("screen", call, call+"-0001", "--eligible")
	r.ok("screen", "import", call, r.file("verdicts.csv", "reference;verdict;reason\n"+call+"-0002;eligible;\n"))
	r.ok("screen", "end", call)
	until(r, func(s *operations.CallStatus) bool { return s.Stage == workflows.StageReview && s.ScoringPath != "" }, "status", call)
	book := filepath.Join(r.dir, "scoring.xlsx")
	r.ok("review", "export", call, "-o", book)
	fillAll(t, book)
	if p := r.ok("review", "import", call, book).(*operations.ReviewImportResult); p.Proposal.Selected != 3 {
		t.Errorf("proposal: %+v", p.Proposal)
	}
	r.ok("review", "proposal", call, "-o", filepath.Join(r.dir, "proposal.xlsx"))
	r.ok("government", "status")
	if d := r.ok("decide", call, "--decree", "AGRBC 2030/1", "--all").(*operations.DecideResult); d.Pending == nil || d.Pending.Approver != "officer" {
		t.Fatalf("a decision waits for a second officer: %+v", d)
	}
	r.fails("refused", "approve", call, "call.decide") // the proposer's own approval
	as("Chloé Finance", func() { r.fails("forbidden", "approve", call, "call.decide") })
	if st := r.ok("status", call).(*operations.CallStatus); len(st.Approvals) != 1 || !strings.HasPrefix(st.WaitingFor, "second approval by officer (decision under decree AGRBC 2030/1") {
		t.Errorf("status while the decision waits: %q %+v", st.WaitingFor, st.Approvals)
	}
	// The Temporal UI's current details say what the call waits for; the
	// proposal survives a new worker replaying the call from its history.
	var md sdkpb.WorkflowMetadata
	v, err := sys.Temporal.QueryWorkflow(context.Background(), workflows.CallWorkflowID(call), "", "__temporal_workflow_metadata")
	if err == nil {
		err = v.Get(&md)
	}
	if err != nil || !strings.Contains(md.GetCurrentDetails(), "**Waiting for:** second approval by officer (decision under decree AGRBC 2030/1") {
		t.Errorf("current details while the decision waits (%v):\n%s", err, md.GetCurrentDetails())
	}
	sys.RestartWorker(t)
	if st := r.ok("status", call).(*operations.CallStatus); len(st.Approvals) != 1 || st.Approvals[0].ProposedBy != "Anne Officer" {
		t.Errorf("after a new worker: %+v", st.Approvals)
	}
	as("Bram Officer", func() { r.ok("approve", call, "call.decide") })
	until(r, func(s *operations.CallStatus) bool { return s.Grants.Started == 3 }, "status", call)
	grant := workflows.GrantWorkflowID(call + "-0001")
	r.ok("grant", "sign", grant, "--on", today)
	r.fails("forbidden", "grant", "paid", grant, "1", "--on", today) // an officer does not confirm payments
	as("Chloé Finance", func() { r.ok("grant", "paid", grant, "1", "--on", today) })
	as("Dirk Finance", func() { r.ok("refuse", grant, "grant.paid", "--reason", "wrong day") })
	if g := r.ok("grant", "status", grant).(*operations.GrantStatus); g.Paid.Cents != 0 || len(g.Settled) != 1 || g.Settled[0].Result != "refused" || g.Settled[0].By != "Dirk Finance" {
		t.Errorf("after the refusal: %+v", g)
	}
	as("Chloé Finance", func() { r.ok("grant", "paid", grant, "1", "--on", today) })
	as("Dirk Finance", func() { r.ok("approve", grant, "grant.paid") })
	r.ok("grant", "end-date", grant, time.Now().Add(time.Second).Format(time.RFC3339))
	r.ok("grant", "report", grant, "--received", "--beneficiaries", "10", "--spent", "18.963 €", "--lessons", "Les jeux marchent.")
	r.ok("grant", "review", grant, "--approve")
	if g := r.ok("grant", "status", grant).(*operations.GrantStatus); g.Paid.Cents != 1_896_300 || len(g.Tranches) != 1 || g.Tranches[0].PaidOn == nil {
		t.Errorf("grant: %+v", g)
	}
	r.ok("payments", "export", call, "-o", filepath.Join(r.dir, "orders.xlsx"))
	if h := r.ok("history", grant).(*operations.HistoryResult); h.Source != operations.FromTemporal || h.WorkflowType != workflows.GrantWorkflowName ||
		len(h.Events) < 10 || h.Events[0].Type != "WorkflowExecutionStarted" {
		t.Errorf("history of %s: source %q, type %q, %d events", grant, h.Source, h.WorkflowType, len(h.Events))
	}

	r.ok("launch", r.file("k.yaml", strings.ReplaceAll(string(cfg), "CALL_ID", other)))
	r.fails("wrong_stage", "carry-over", other, "--budget-year", "2031")
	// A call cancelled before its first activity stored it fails in the
	// workflow (CancelCall: "not in the database"); wait for it to be stored.
	deadline := time.Now().Add(30 * time.Second)
	for n := 0; n == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_ = db.QueryRow(context.Background(), `SELECT count(*) FROM calls WHERE call_id = $1`, other).Scan(&n)
	}
	r.ok("cancel", other, "--reason", "plus de budget")
	// Once its cancellation mails are out the call ends; then it says so.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		_, je := r.run("close", other)
		if je != nil && je.Error.Kind == "ended" && je.Error.Stage == workflows.StageCancelled && je.Error.ClosedAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("close %s after its cancellation: %+v", other, je)
		}
	}
	r.ok("government", "caretaker", "--since", today)
	r.ok("government", "installed", "--on", today)

	r.ok("grant", "direct", "--year", year, "--operator", "Op", "--project", "Proj", "--zone", zone, "--amount", "1.000 €", "--decided", today)
	r.ok("grant", "direct", "reverse", "--year", year, "--operator", "Op", "--project", "Proj", "--reason", "erreur")
	r.ok("expense", "--year", year, "--invoice", "F-1", "--supplier", "S", "--description", "D", "--zone", zone, "--amount", "100 €", "--date", today)
	r.ok("expense", "reverse", "F-1", "--year", year, "--reason", "erreur")
	r.ok("budget", "history", "--year", lastYear, "--committed", "1.000 €", "--source", "rapport")
	r.ok("budget", "history", "reverse", "--year", lastYear, "--reason", "erreur")
	if z := r.ok("budget", "zones").(*operations.ZonesResult); len(z.Zones) == 0 {
		t.Error("no zones")
	}
	y, _ := strconv.Atoi(year)
	if a := r.ok("annual-report", year, "-o", filepath.Join(r.dir, "annual.xlsx")).(*operations.AnnualReportResult); a.Year != y || a.Total.Text == "" {
		t.Errorf("annual report: %+v", a)
	}

	// The same Results, for people, read as the README shows them.
	for args, want := range map[string][]string{
		"status " + call:        {call + " — Appel CMS " + call + " (cms 2030)", "  stage:        ", "  decision:     decree AGRBC 2030/1, 3 grants, "},
		"close " + call:         {call + ": submissions are already closed", "; nothing to do"},
		"grant status " + grant: {grant + " (" + call + "-0001, call " + call + ")", "  tranche 1:    100 % on signature: 18.963 € ordered of 18.963 €, paid "},
		"government status":     {"government: in office (installed " + today + ")", "  calls waiting for a decision: none"},
		"budget zones":          {zone + "\n"},
	} {
		got := r.text(strings.Fields(args)...)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("starter %s printed:\n%s\nwant it to say %q", args, got, w)
			}
		}
	}

	// Without the portal, starter is the operator's: recorded as the system.
	url := r.env["CALLCYCLE_URL"]
	delete(r.env, "CALLCYCLE_URL")
	r.ok("budget", "history", "--year", lastYear, "--committed", "2.000 €", "--source", "opérateur")
	r.env["CALLCYCLE_URL"] = url
	// A token that is not valid is refused before anything runs.
	tokens["revoked or made up"] = "cct_0190c2f4-0000-7000-8000-000000000000_nope"
	as("revoked or made up", func() { r.fails("unauthenticated", "status", call) })

	// Errors are JSON too, with the kind and the refused fields.
	r.fails("not_found", "grant", "status", "GRANT-NOPE")
	r.fails("not_found", "history", "GRANT-NOPE")

	// The audit log: every command above is in it, chained; the export
	// names the officer for each.
	if v := r.ok("audit", "verify").(*operations.AuditVerifyResult); v.Rows < 20 || len(v.LastHash) != 64 {
		t.Errorf("audit verify: %+v", v)
	}
	csvPath := filepath.Join(r.dir, "audit.csv")
	tomorrow := time.Now().In(callspec.Brussels).AddDate(0, 0, 1).Format("2006-01-02")
	if e := r.ok("audit", "export", "--from", "2020-01-01", "--to", tomorrow, "-o", csvPath).(*operations.AuditExportResult); e.Rows < 20 {
		t.Errorf("audit export: %+v", e)
	}
	b, err := os.ReadFile(csvPath)
	for _, want := range []string{",Anne Officer,officer,grant.sign," + grant + ",ok,", ",Anne Officer,officer,call.decide.propose," + call + ",ok,",
		",Bram Officer,officer,call.decide.approve," + call + ",ok,", ",Chloé Finance,finance,grant.paid.propose," + grant + ",ok,",
		",Dirk Finance,finance,grant.paid.refuse," + grant + ",ok,", ",Dirk Finance,finance,grant.paid.approve," + grant + ",ok,",
		",Anne Officer,officer,grant.paid," + grant + ",forbidden,", ",system:starter,system,budget."} {
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("audit.csv does not say %q (%v):\n%.2000s", want, err, b)
		}
	}
	r.fails("refused", "audit", "export", "--from", "2030-01-02", "--to", "2030-01-01", "-o", csvPath)
	r.fails("usage", "grant", "sign", grant, "--on", "tomorrow-ish")
	_, je := r.run("grant", "sign", workflows.GrantWorkflowID(call+"-0002"), "--on", "2099-01-01")
	if je == nil || je.Error.Kind != "refused" || len(je.Error.Problems) != 1 || je.Error.Problems[0].Field != "on" {
		t.Errorf("future signature: %+v", je)
	}

	// Exempt: carry-over needs a call whose budget year lapsed (its
	// refusal above is JSON); the demo runs the whole replay in a
	// namespace of its own (its --json is its annual report, as above).
	exempt := map[string]bool{"starter carry-over": true, "starter demo": true}
	var missing []string
	for p := range runnable(newRoot(func(string) (string, bool) { return "", false })) {
		if !r.exercised[p] && !exempt[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("never run with --json: %s", strings.Join(missing, ", "))
	}
}

// fillAll scores every row of the single reviewer's sheet.
func fillAll(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := scoring.SheetName("AB")
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(rows); i++ {
		if err := f.SetCellInt(sheet, fmt.Sprintf("F%d", i+1), int64(9-i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}
