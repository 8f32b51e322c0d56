package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// The workflow tests run the real activities against a fresh PostgreSQL
// database and a Mailpit sink; only time is simulated (time skipping).
type harness struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	db   *pgxpool.Pool
	call callspec.Call
	sink *testenv.Mailpit
	seq  int

	gov           workflows.GovernmentStatus
	subscribed    int
	grantsStarted int
}

var start = time.Date(2024, 2, 1, 9, 0, 0, 0, callspec.Brussels)

func newHarness(t *testing.T) *harness {
	db, _ := testenv.Postgres(t)
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	workflows.Register(env)
	env.RegisterActivity(&activities.Activities{DB: db, Mailer: m, OutputDir: t.TempDir()})
	call := callspec.Call{ID: "AP-SUD-2024", Kind: "sud", Year: 2024, Title: "Appel à projets Sud 2024", Theme: "économie",
		Envelope: money.Euros(200400), Reserved: []callspec.ReservedEnvelope{{Region: "Territoire palestinien occupé", Amount: money.Euros(424946)}},
		MinGrant: money.Euros(10000), MaxGrant: money.Euros(125000),
		Regions:  []string{"Territoire palestinien occupé", "Région de Rabat-Salé-Kénitra", "Ville-Province de Kinshasa"},
		Criteria: []callspec.Criterion{{Key: "pertinence", Name: "Pertinence", Weight: 100, Min: 0, Max: 10}},
		Deadline: start.AddDate(0, 0, 30), Tranches: []callspec.Tranche{{Percent: 100, On: callspec.OnSignature}},
		Report: callspec.ReportRules{DelayDays: 60}, Reviewers: []string{"AB"}}
	if _, err := db.Exec(context.Background(), `INSERT INTO call_contacts VALUES ($1, 'announce', 'fed@ngo.example', 'nl'), ($1, 'secretariat', 'comite@cooperation.example', 'fr'), ($1, 'officer', 'officer@cooperation.example', 'fr')`, call.ID); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, env: env, db: db, call: call, sink: sink}
	h.fakeGovernment()
	// Starting grant workflows needs a Temporal server, which the
	// time-skipping environment is not; the end-to-end tests start them
	// for real. Here the call only needs to know they started.
	env.OnActivity("StartGrants", mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.StartGrantsInput) (activities.StartGrantsResult, error) {
			h.grantsStarted += len(in.Grants)
			return activities.StartGrantsResult{Started: len(in.Grants)}, nil
		})
	return h
}

// fakeGovernment stands in for the government entity workflow (tested on
// its own and end to end): it answers a subscription with the current
// status, as the real one does.
func (h *harness) fakeGovernment() {
	h.env.OnSignalExternalWorkflow(mock.Anything, workflows.GovernmentWorkflowID, "", mock.Anything, mock.Anything).Return(
		func(_, _, _, name string, _ any) error {
			if name == workflows.SignalSubscribe {
				h.subscribed++
				h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(workflows.SignalGovernmentStatus, h.gov) }, time.Second)
			}
			return nil
		})
}

// setGov changes the government's status at virtual time at and tells
// the call, like a real status change.
func (h *harness) setGov(at time.Duration, caretaker bool, since time.Time) {
	h.env.RegisterDelayedCallback(func() {
		h.gov = workflows.GovernmentStatus{Caretaker: caretaker, Since: since, Version: h.gov.Version + 1}
		if !caretaker {
			h.gov.Installed = since
		}
		if h.subscribed > 0 {
			h.env.SignalWorkflow(workflows.SignalGovernmentStatus, h.gov)
		}
	}, at)
}

// app stages an inbox row and returns the submission that names it.
func (h *harness) app(assoc, title, region string, euros int64) intake.Submission {
	h.seq++
	tok := fmt.Sprintf("00000000-0000-4000-8000-%012d", h.seq)
	_, err := h.db.Exec(context.Background(), `INSERT INTO intake_inbox (token, call_id, contact_name, email, language, summary, duration_months, iban)
		VALUES ($1, $2, 'Contact', $3, 'fr', 'résumé', 24, 'BE68539007547034')`, tok, h.call.ID, fmt.Sprintf("c%d@ngo.example", h.seq))
	if err != nil {
		h.t.Fatal(err)
	}
	return intake.Submission{Token: tok, Association: assoc, Title: title, Region: region, Amount: money.Euros(euros)}
}

// isType tells whether err is an application error of type typ.
func isType(err error, typ string) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == typ
}

type outcome struct {
	rejected error
	result   workflows.SubmitResult
	err      error
	done     bool
}

// update sends an update at virtual time `at` after start.
func (h *harness) update(at time.Duration, name string, arg any, out *outcome) {
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { out.rejected, out.done = err, true },
			OnAccept:   func() {},
			OnComplete: func(v any, err error) { out.err, out.done = err, true; copyResult(v, out) },
		}, arg)
	}, at)
}

func copyResult(v any, out *outcome) {
	if r, ok := v.(workflows.SubmitResult); ok {
		out.result = r
	}
}

func (h *harness) status(at time.Duration, into *workflows.StatusResult) {
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryStatus, workflows.StatusQuery{})
		if err != nil {
			h.t.Errorf("query: %v", err)
			return
		}
		_ = v.Get(into)
	}, at)
}

// run executes the call workflow until the test's last callback, then
// the workflow is left waiting (closed calls wait for screening).
func (h *harness) run(until time.Duration, in workflows.CallInput) {
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, until)
	in.Call = h.call
	h.env.ExecuteWorkflow(workflows.CallWorkflowName, in)
}

const day = 24 * time.Hour

func submit(subs ...intake.Submission) workflows.SubmitInput {
	return workflows.SubmitInput{Submissions: subs, By: "officer"}
}

func TestDeadlineClosesTheWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var before, after outcome
	var open, closed workflows.StatusResult
	h.update(day, workflows.UpdateSubmit, submit(h.app("Solsoc", "Économie sociale", "Territoire palestinien occupé", 125000)), &before)
	h.status(29*day, &open)
	h.update(31*day, workflows.UpdateSubmit, submit(h.app("Viva Salud", "Agroécologie", "Territoire palestinien occupé", 125000)), &after)
	h.status(31*day, &closed)
	h.run(32*day, workflows.CallInput{})

	if before.rejected != nil || before.err != nil || len(before.result.References) != 1 || before.result.References[0] != "AP-SUD-2024-0001" {
		t.Fatalf("before the deadline: %+v", before)
	}
	if open.Stage != workflows.StageOpen || open.Submitted != 1 {
		t.Fatalf("day 29: %+v", open)
	}
	if after.rejected == nil || !strings.Contains(after.rejected.Error(), "closed") {
		t.Fatalf("after the deadline want a refusal naming the closed window, got %+v", after)
	}
	if closed.Stage != workflows.StageScreening || closed.CloseReason != "deadline" || !closed.ClosedAt.Equal(h.call.Deadline) {
		t.Fatalf("day 31: %+v", closed)
	}
	var n int
	_ = h.db.QueryRow(context.Background(), `SELECT count(*) FROM applications`).Scan(&n)
	if n != 1 {
		t.Fatalf("applications stored = %d, want 1", n)
	}
}

func TestExtensionMovesTheTimer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ext, late, badExt outcome
	var s35, s41 workflows.StatusResult
	h.update(10*day, workflows.UpdateExtend, workflows.ExtendInput{Deadline: start.AddDate(0, 0, 40), By: "officer"}, &ext)
	h.update(11*day, workflows.UpdateExtend, workflows.ExtendInput{Deadline: start.AddDate(0, 0, 5), By: "officer"}, &badExt)
	h.update(35*day, workflows.UpdateSubmit, submit(h.app("Twende", "Zéro plastique", "Ville-Province de Kinshasa", 15000)), &late)
	h.status(35*day+time.Hour, &s35)
	h.status(41*day, &s41)
	h.run(42*day, workflows.CallInput{})
	if ext.rejected != nil || ext.err != nil {
		t.Fatalf("extend: %+v", ext)
	}
	if badExt.rejected == nil || !strings.Contains(badExt.rejected.Error(), "not in the future") {
		t.Fatalf("a deadline in the past must be refused: %+v", badExt)
	}
	if late.rejected != nil || late.err != nil {
		t.Fatalf("day 35 is within the extended window: %+v", late)
	}
	if s35.Stage != workflows.StageOpen || s41.Stage != workflows.StageScreening || !s41.ClosedAt.Equal(start.AddDate(0, 0, 40)) {
		t.Fatalf("day 35 %s, day 41 %s closed at %s", s35.Stage, s41.Stage, s41.ClosedAt)
	}
}

func TestEarlyClose(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var cl, again, sub, ext outcome
	var s workflows.StatusResult
	var first outcome
	h.update(day, workflows.UpdateSubmit, submit(h.app("Solsoc", "Économie sociale", "Territoire palestinien occupé", 125000)), &first)
	h.update(2*day, workflows.UpdateClose, workflows.CloseInput{By: "officer", Reason: "envelope exhausted"}, &cl)
	h.update(3*day, workflows.UpdateClose, workflows.CloseInput{By: "officer"}, &again)
	h.update(3*day, workflows.UpdateSubmit, submit(h.app("Solsoc", "X", "Territoire palestinien occupé", 20000)), &sub)
	h.update(3*day, workflows.UpdateExtend, workflows.ExtendInput{Deadline: start.AddDate(0, 2, 0), By: "officer"}, &ext)
	h.status(3*day, &s)
	h.run(4*day, workflows.CallInput{})
	if cl.rejected != nil || cl.err != nil {
		t.Fatalf("close: %+v", cl)
	}
	if !isType(again.rejected, workflows.ErrTypeAlreadyDone) {
		t.Errorf("second close: %v, want an %s refusal", again.rejected, workflows.ErrTypeAlreadyDone)
	}
	for name, o := range map[string]outcome{"second close": again, "submission": sub, "extension": ext} {
		if o.rejected == nil {
			t.Errorf("%s after an early close must be refused", name)
		}
	}
	if s.Stage != workflows.StageScreening || !strings.Contains(s.CloseReason, "envelope exhausted") || !strings.Contains(s.CloseReason, "officer") {
		t.Fatalf("status after close: %+v", s)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ok := h.app("Solsoc", "Économie sociale", "Territoire palestinien occupé", 125000)
	cases := []struct {
		name string
		in   workflows.SubmitInput
		want string
	}{
		{"region", submit(h.app("A", "t", "Dakar", 20000)), "region"},
		{"too little", submit(h.app("A", "t", "Ville-Province de Kinshasa", 5000)), "below the call's minimum"},
		{"too much", submit(h.app("A", "t", "Ville-Province de Kinshasa", 125001)), "above the call's maximum"},
		{"no title", submit(h.app("A", "", "Ville-Province de Kinshasa", 20000)), "title: required"},
		{"header injection", submit(h.app("A\r\nBcc: x@evil.example", "t", "Ville-Province de Kinshasa", 20000)), "single line"},
		{"duplicate", submit(h.app("SOLSOC", "économie  sociale!", "Territoire palestinien occupé", 50000)), "duplicate"},
		{"duplicate in batch", submit(h.app("B", "Même", "Ville-Province de Kinshasa", 20000), h.app("b", "même", "Ville-Province de Kinshasa", 20000)), "submission 1 of this batch"},
		{"no officer", workflows.SubmitInput{Submissions: []intake.Submission{h.app("C", "t", "Ville-Province de Kinshasa", 20000)}}, "officer"},
		{"empty", submit(), "1 to 500"},
	}
	var first outcome
	h.update(time.Hour, workflows.UpdateSubmit, submit(ok), &first)
	outs := make([]outcome, len(cases))
	for i, c := range cases {
		h.update(2*time.Hour, workflows.UpdateSubmit, c.in, &outs[i])
	}
	var s workflows.StatusResult
	h.status(3*time.Hour, &s)
	h.run(4*time.Hour, workflows.CallInput{})
	if first.err != nil || first.rejected != nil {
		t.Fatalf("valid application: %+v", first)
	}
	for i, c := range cases {
		if outs[i].rejected == nil || !strings.Contains(outs[i].rejected.Error(), c.want) {
			t.Errorf("%s: want a refusal containing %q, got %+v", c.name, c.want, outs[i])
		}
	}
	var rej workflows.Rejection
	var appErr *temporal.ApplicationError
	if !errors.As(outs[6].rejected, &appErr) || appErr.Details(&rej) != nil || len(rej.Rows) != 1 || rej.Rows[0].Index != 1 {
		t.Errorf("the batch refusal must name the bad row: %+v", rej)
	}
	if s.Submitted != 1 {
		t.Fatalf("refused submissions changed the count: %d", s.Submitted)
	}
	var n int
	_ = h.db.QueryRow(context.Background(), `SELECT count(*) FROM applications`).Scan(&n)
	if n != 1 {
		t.Fatalf("refused submissions stored rows: %d applications", n)
	}
}

// With a lowered threshold the call continues as new, carrying its state.
func TestContinueAsNewCarriesState(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var a, b outcome
	h.update(time.Hour, workflows.UpdateSubmit, submit(h.app("A", "t1", "Ville-Province de Kinshasa", 20000)), &a)
	h.update(2*time.Hour, workflows.UpdateSubmit, submit(h.app("B", "t2", "Ville-Province de Kinshasa", 20000)), &b)
	h.call.Deadline = start.AddDate(0, 0, 30)
	h.env.ExecuteWorkflow(workflows.CallWorkflowName, workflows.CallInput{Call: h.call, MaxUpdatesPerRun: 2})
	err := h.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new after 2 updates, got %v", err)
	}
	if a.err != nil || b.err != nil || !a.done || !b.done {
		t.Fatalf("updates before continue-as-new must complete: %+v %+v", a, b)
	}
	var next workflows.CallInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.State.NextSeq != 2 || next.State.Submitted != 2 || len(next.State.DupKeys) != 2 || !next.State.Announced || next.MaxUpdatesPerRun != 2 {
		t.Fatalf("state not carried: %+v", next.State)
	}
}
