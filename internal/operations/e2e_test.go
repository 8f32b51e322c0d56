package operations_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// stack is the whole system on real services: a Temporal dev server, a
// fresh PostgreSQL database, Mailpit, and a worker made as the worker
// binary makes it (workerapp.New); env is the officer's desk over the
// operations Service.
type stack struct {
	env  *desk
	db   *pgxpool.Pool
	tc   client.Client
	sink *testenv.Mailpit
	dir  string // OUTPUT_DIR
}

func newStack(t *testing.T) *stack {
	t.Helper()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	db, tc := sys.DB, sys.Temporal
	return &stack{env: &desk{svc: &operations.Service{Temporal: tc, DB: db}, by: operations.Actor{Name: "e2e-officer"}}, db: db, tc: tc, sink: sys.Mailpit, dir: sys.OutputDir}
}

func (s *stack) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func example(name string) string { return filepath.Join("..", "..", "examples", name) }

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantUsage: err refuses the input (refused, not found, ended or wrong
// stage: what the CLI exits 2 for) and says contains.
func wantUsage(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if !isRefusal(err) || !strings.Contains(err.Error(), contains) {
		t.Errorf("%s: want an input error containing %q, got %v (kind %q)", what, contains, err, operations.KindOf(err))
	}
}

// wantKind: err is an *operations.Error of kind and says contains.
func wantKind(t *testing.T, what string, err error, kind operations.Kind, contains string) {
	t.Helper()
	if operations.KindOf(err) != kind || !strings.Contains(err.Error(), contains) {
		t.Errorf("%s: want a %s error containing %q, got %v (kind %q)", what, kind, contains, err, operations.KindOf(err))
	}
}

// wantEnded: err says the workflow ended, with its final stage and close
// time as fields a front end can show.
func wantEnded(t *testing.T, what string, err error, stage string) {
	t.Helper()
	var e *operations.Error
	if !errors.As(err, &e) || e.Kind != operations.Ended || e.Stage != stage || e.ClosedAt.IsZero() {
		t.Errorf("%s: want Ended at stage %q with its close time, got %#v", what, stage, err)
	}
}

// wantField: err refuses field (the Input's JSON name), as the
// workflow's validator or the operation named it.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var e *operations.Error
	if errors.As(err, &e) {
		for _, p := range e.Problems {
			if p.Field == field && p.Reason != "" {
				return
			}
		}
	}
	t.Errorf("%s: want a problem with field %q, got %#v", what, field, err)
}

func isRefusal(err error) bool {
	switch operations.KindOf(err) {
	case operations.Refused, operations.NotFound, operations.Ended, operations.WrongStage:
		return true
	}
	return false
}

// tables are the rows every refusal must leave untouched.
var tables = []string{"calls", "applicants", "applications", "intake_inbox", "mail_log"}

func (s *stack) snapshot(t *testing.T) map[string]int {
	m := map[string]int{}
	for _, tb := range tables {
		m[tb] = s.count(t, "SELECT count(*) FROM "+tb)
	}
	return m
}

func TestEndToEndSubmissionWindow(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()

	// Launch: a bad config starts nothing; the example starts; twice is refused.
	_, err := s.env.Launch(ctx, writeFile(t, "bad.yaml", "id: AP-SUD-2030\nkind: sud\nenvelope: 125.000\n"), launchOpts{})
	wantUsage(t, "malformed call", err, "ambiguous")
	_, err = s.env.Launch(ctx, writeFile(t, "bad.yaml", "id: [unclosed\n"), launchOpts{})
	wantUsage(t, "invalid YAML", err, "not valid YAML")
	if n := s.count(t, "SELECT count(*) FROM call_contacts"); n != 0 {
		t.Fatalf("a refused launch stored %d contacts", n)
	}
	// A low threshold makes the call continue-as-new several times below.
	if _, err := s.env.Launch(ctx, example("call-ap-sud-2030.yaml"), launchOpts{MaxUpdatesPerRun: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = s.env.Launch(ctx, example("call-ap-sud-2030.yaml"), launchOpts{})
	wantUsage(t, "second launch", err, "already launched")

	// One application, then the bulk file with its bad rows.
	ref, err := s.env.Apply(ctx, "AP-SUD-2030", example("application.yaml"))
	if err != nil || ref != "AP-SUD-2030-0001" {
		t.Fatalf("apply: %q %v", ref, err)
	}
	res, err := s.env.Import(ctx, "AP-SUD-2030", example("applications-2024.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accepted) != 9 || len(res.Rejected) != 3 {
		t.Fatalf("import: %d accepted, %d rejected\n%+v", len(res.Accepted), len(res.Rejected), res)
	}
	reasons := map[int]string{}
	for _, r := range res.Rejected {
		reasons[r.Row] = r.Reason
	}
	for row, want := range map[int]string{11: "region", 12: "above the call's maximum", 13: "email"} {
		if !strings.Contains(reasons[row], want) {
			t.Errorf("row %d: want a reason about %q, got %q", row, want, reasons[row])
		}
	}

	// Refusals change nothing.
	before := s.snapshot(t)
	_, err = s.env.Apply(ctx, "AP-SUD-2030", example("application.yaml"))
	wantUsage(t, "duplicate", err, "duplicate")
	_, err = s.env.Apply(ctx, "AP-NOPE-2024", example("application.yaml"))
	wantUsage(t, "unknown call", err, "no call")
	crlf := strings.Replace(mustRead(t, example("application.yaml")), "name: Sophie Lambert", "name: \"Sophie\\r\\nBcc: victim@evil.example\"", 1)
	_, err = s.env.Apply(ctx, "AP-SUD-2030", writeFile(t, "crlf.yaml", crlf))
	wantUsage(t, "CR/LF in a name", err, "single line")
	_, err = s.env.Apply(ctx, "AP-SUD-2030", writeFile(t, "bad.yaml", "association: [x\n"))
	wantUsage(t, "malformed application", err, "not valid YAML")
	for _, mod := range [][2]string{
		{"region: Territoire palestinien occupé", "region: Dakar"},
		{`amount: "125.000 €"`, `amount: "125.001 €"`},
		{`amount: "125.000 €"`, `amount: "9.999 €"`},
		{"email: projets@solsoc.example", "email: not-an-address"},
		{"association: Solsoc", "association: \"\""},
	} {
		bad := strings.Replace(mustRead(t, example("application.yaml")), mod[0], mod[1], 1)
		bad = strings.Replace(bad, "title: Développement", "title: Autre développement", 1)
		if _, err := s.env.Apply(ctx, "AP-SUD-2030", writeFile(t, "bad.yaml", bad)); !isRefusal(err) {
			t.Errorf("%s: want refusal, got %v", mod[1], err)
		}
	}
	if after := s.snapshot(t); !equal(before, after) {
		t.Fatalf("refusals changed rows: before %v after %v", before, after)
	}

	// Status from the query; the call continued as new along the way.
	env := s.env
	st, err := env.Status(ctx, "AP-SUD-2030", true)
	if err != nil || st.Submitted != 10 || st.Stage != workflows.StageOpen || st.Runs < 3 {
		t.Fatalf("status: %+v %v", st, err)
	}

	// The deadline passes on its durable timer: moved to a few seconds away.
	soon := time.Now().Add(3 * time.Second).In(time.UTC).Format(time.RFC3339)
	if _, err := s.env.Extend(ctx, "AP-SUD-2030", soon); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool {
		st, err := env.Status(ctx, "AP-SUD-2030", true)
		return err == nil && st.Stage == workflows.StageScreening && st.CloseReason == "deadline"
	})
	late := strings.Replace(mustRead(t, example("application.yaml")), "title: Développement", "title: Projet tardif", 1)
	_, err = s.env.Apply(ctx, "AP-SUD-2030", writeFile(t, "late.yaml", late))
	wantUsage(t, "after the deadline", err, "closed")
	if n := s.count(t, "SELECT count(*) FROM intake_inbox"); n != 0 {
		t.Fatalf("refused applications left %d inbox rows", n)
	}

	s.screenAndReview(t, env)
	s.checkMails(t)
	testenv.SaveHistory(t, s.tc, workflows.CallWorkflowID("AP-SUD-2030"), "call-submission-to-proposal")
	// The first run, which continued as new: its hand-over is replayed too.
	if first := s.firstRun(t, workflows.CallWorkflowID("AP-SUD-2030")); first != "" {
		testenv.SaveRunHistory(t, s.tc, workflows.CallWorkflowID("AP-SUD-2030"), first, "call-submission-first-run")
	}
}

// firstRun is the run id of a workflow's first run ("" if there is one).
func (s *stack) firstRun(t *testing.T, id string) string {
	t.Helper()
	resp, err := s.tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = %q AND ExecutionStatus = 'ContinuedAsNew'", id)})
	if err != nil {
		t.Fatal(err)
	}
	first := ""
	var at time.Time
	for _, e := range resp.Executions {
		if st := e.StartTime.AsTime(); first == "" || st.Before(at) {
			first, at = e.Execution.RunId, st
		}
	}
	return first
}

// screenAndReview takes the closed call through screening (automatic
// check, single and bulk verdicts, end of screening) and committee review
// (workbook out, a bad workbook refused, the corrected one ranked).
func (s *stack) screenAndReview(t *testing.T, env *desk) {
	ctx := context.Background()
	const call = "AP-SUD-2030"
	// Twende (0010) gave no IBAN: the automatic check screened it out.
	waitUntil(t, 30*time.Second, func() bool {
		st, err := env.Status(ctx, call, true)
		return err == nil && st.Screening.Ineligible == 1
	})
	if err := s.env.Screen(ctx, call, "AP-SUD-2030-0004", true, ""); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, "ineligible without reason", s.env.Screen(ctx, call, "AP-SUD-2030-0005", false, ""), "needs a reason")
	wantUsage(t, "verdict twice", s.env.Screen(ctx, call, "AP-SUD-2030-0004", false, "x"), "already has a verdict")
	wantUsage(t, "unknown reference", s.env.Screen(ctx, call, "AP-SUD-2030-0999", true, ""), "not an application")
	verdicts := writeFile(t, "verdicts.csv", "reference;verdict;reason\n"+
		"AP-SUD-2030-0002;eligible;\nAP-SUD-2030-0003;eligible;\nAP-SUD-2030-0005;ineligible;statuts non fournis\n"+
		"AP-SUD-2030-0010;eligible;\nAP-SUD-2030-0006;maybe;\nAP-SUD-2030-0999;eligible;\n")
	res, err := s.env.ScreenImport(ctx, call, verdicts)
	if err != nil || len(res.Accepted) != 3 || len(res.Rejected) != 3 {
		t.Fatalf("screen import: %+v %v", res, err)
	}
	if err := s.env.EndScreening(ctx, call); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool {
		st, err := env.Status(ctx, call, true)
		return err == nil && st.Stage == workflows.StageReview && st.ScoringPath != ""
	})
	st, _ := env.Status(ctx, call, true)
	if st.Screening.Eligible != 8 || st.Screening.Ineligible != 2 {
		t.Fatalf("screening: %+v", st.Screening)
	}

	// The committee fills the exported workbook; one cell is out of range.
	scoringFile := filepath.Join(t.TempDir(), "scoring.xlsx")
	if err := s.env.ReviewExport(ctx, call, scoringFile); err != nil {
		t.Fatal(err)
	}
	fillScores(t, scoringFile, "F2", 12)
	before := s.snapshot(t)
	_, err = s.env.ReviewImport(ctx, call, scoringFile)
	wantUsage(t, "score out of range", err, `Scores-AB!F2: 12 is above the maximum 10 for "pertinence"`)
	if n := s.count(t, "SELECT count(*) FROM scores") + s.count(t, "SELECT count(*) FROM score_staging"); n != 0 || !equal(before, s.snapshot(t)) {
		t.Fatalf("a refused workbook stored %d score rows", n)
	}
	fillScores(t, scoringFile, "F2", 10)
	p, err := s.env.ReviewImport(ctx, call, scoringFile)
	if err != nil {
		t.Fatal(err)
	}
	// Four Tpo projects fit the reserve (399.946 €), four others the
	// general envelope (185.400 €).
	if p.Ranked != 8 || p.Selected != 8 || p.SelectedTotal != (operations.Money{Cents: 58534600, Text: "585.346 €"}) {
		t.Fatalf("proposal: %+v", p)
	}
	if n := s.count(t, "SELECT count(*) FROM scores"); n != 24 {
		t.Fatalf("scores stored: %d, want 8 applications × 3 reviewers", n)
	}
	st, _ = env.Status(ctx, call, true)
	if st.Stage != workflows.StageProposed {
		t.Fatalf("stage %s", st.Stage)
	}
	proposal := filepath.Join(t.TempDir(), "proposal.xlsx")
	if err := s.env.ReviewProposal(ctx, call, proposal); err != nil {
		t.Fatal(err)
	}
}

// fillScores gives every application of every reviewer sheet a score per
// criterion (higher for earlier rows), then puts value in cell of Scores-AB.
func fillScores(t *testing.T, path, cell string, value int) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, r := range []string{"AB", "CD", "EF"} {
		sheet := scoring.SheetName(r)
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(rows); i++ {
			for c := 0; c < 4; c++ {
				name, _ := excelize.CoordinatesToCellName(6+c, i+1)
				if err := f.SetCellInt(sheet, name, int64(10-i%8)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := f.SetCellInt(scoring.SheetName("AB"), cell, int64(value)); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

// fillOne scores the single-reviewer, single-criterion workbook.
func fillOne(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(scoring.SheetName("AB"))
	for i := 1; i < len(rows); i++ {
		_ = f.SetCellInt(scoring.SheetName("AB"), fmt.Sprintf("F%d", i+1), int64(9-i))
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

// checkMails: every mail in the outbox was delivered exactly once, in the
// applicant's language, with HTML and text; the scoring workbook reached
// the secretariat as an attachment.
func (s *stack) checkMails(t *testing.T) {
	want := s.count(t, "SELECT count(*) FROM mail_log")
	// 3 launch + 10 receipts + 2 ineligibility notices + 1 scoring workbook
	if want != 16 {
		t.Fatalf("outbox holds %d mails, want 16", want)
	}
	waitUntil(t, 30*time.Second, func() bool {
		ok := s.count(t, "SELECT count(*) FROM mail_log WHERE status = 'sent'") == want
		if !ok {
			rows, _ := s.db.Query(context.Background(), "SELECT business_key, status, attempts, COALESCE(last_error, '') FROM mail_log WHERE status <> 'sent'")
			for rows.Next() {
				var k, st, e string
				var n int
				_ = rows.Scan(&k, &st, &n, &e)
				t.Logf("unsent: %s %s attempts=%d %s", k, st, n, e)
			}
			rows.Close()
		}
		return ok
	})
	msgs := s.sink.WaitFor(t, want, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	msgs = s.sink.Messages(t)
	if len(msgs) != want {
		t.Fatalf("delivered %d mails, want %d", len(msgs), want)
	}
	seen := map[string]bool{}
	byTo := map[string]testenv.Message{}
	for _, m := range msgs {
		if seen[m.MessageID] {
			t.Errorf("mail %s delivered twice", m.MessageID)
		}
		seen[m.MessageID] = true
		if _, dup := byTo[m.Recipient()]; !dup || strings.HasPrefix(m.Subject, "Accusé") || strings.HasPrefix(m.Subject, "Receipt") {
			byTo[m.Recipient()] = m
		}
	}
	for to, prefix := range map[string]string{
		"projets@solsoc.example": "Accusé de réception AP-SUD-2030-0001", "info@vivasalud.example": "Ontvangstbevestiging",
		"hello@adcb.example": "Receipt", "info@ngo-federatie.be": "Lancering", "contact@acodev.be": "Lancement",
		"comite@cooperation.brussels": "Grille de cotation AP-SUD-2030",
	} {
		if m, ok := byTo[to]; !ok || !strings.HasPrefix(m.Subject, prefix) {
			t.Errorf("%s: want subject %q..., got %q", to, prefix, m.Subject)
		}
	}
	if byTo["comite@cooperation.brussels"].Attachments != 1 {
		t.Error("the scoring workbook must be attached to the secretariat's mail")
	}
	full := s.sink.Get(t, byTo["projets@solsoc.example"].ID)
	if !strings.Contains(full.Text, "125.000 €") || !strings.Contains(full.HTML, "AP-SUD-2030-0001") {
		t.Errorf("receipt body lacks the amount or reference:\n%s", full.Text)
	}
	n := 0
	for _, m := range msgs {
		if m.Recipient() == "hello@adcb.example" && strings.Contains(m.Subject, "not eligible") && strings.Contains(s.sink.Get(t, m.ID).Text, "statuts non fournis") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("ADCB must get one ineligibility notice in English with the reason, got %d", n)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equal(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func waitUntil(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in time")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
