package workflows_test

// Helpers of the fast tier: workflow logic with every activity mocked and
// time skipped. These tests start no service (no PostgreSQL, no Mailpit,
// no Temporal server) and run under `go test -short`.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/selection"
	"github.com/callcycle/callcycle/workflows"
	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// mact is only used for method values, as in the workflows.
var mact *activities.Activities

// fakeStart is the virtual start of every fast-tier run.
var fakeStart = time.Date(2024, 2, 1, 9, 0, 0, 0, callspec.Brussels)

const fday = 24 * time.Hour

// started is one activity the workflow started, in order.
type started struct {
	Name  string
	At    time.Time
	Local bool // a local activity
	args  converter.EncodedValues
}

// signalOut is one signal the workflow sent to another workflow.
type signalOut struct {
	To, Name string
	Arg      any
	At       time.Time
}

// payloads decodes a local activity's arguments like a scheduled one's.
type payloads struct{ p *commonpb.Payloads }

func (v payloads) HasValues() bool { return v.p != nil && len(v.p.Payloads) > 0 }

func (v payloads) Get(ptrs ...any) error {
	return converter.GetDefaultDataConverter().FromPayloads(v.p, ptrs...)
}

// fake runs one workflow with mocked activities and records what it did.
type fake struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	acts    []started
	signals []signalOut
	// gov is what the fake government answers a subscription with.
	gov workflows.GovernmentStatus
	// failSignal makes a signal to these workflow ids fail (the target is gone).
	failSignal map[string]bool
	mu         sync.Mutex // signal mocks run on their own goroutines
}

func newFake(t *testing.T) *fake {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	f := &fake{t: t, env: suite.NewTestWorkflowEnvironment(), failSignal: map[string]bool{}}
	f.env.SetStartTime(fakeStart)
	workflows.Register(f.env)
	f.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		f.acts = append(f.acts, started{Name: info.ActivityType.Name, At: f.env.Now(), args: args})
	})
	// Local activities (a grant's writes and first deliveries) are listed
	// with the others, in order, their arguments encoded the same way.
	f.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, args []any) {
		p, err := converter.GetDefaultDataConverter().ToPayloads(args...)
		if err != nil {
			t.Errorf("encode %s input: %v", info.ActivityType.Name, err)
		}
		f.acts = append(f.acts, started{Name: info.ActivityType.Name, At: f.env.Now(), Local: true, args: payloads{p}})
	})
	f.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(
		func(_, id, _, name string, arg any) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.signals = append(f.signals, signalOut{To: id, Name: name, Arg: arg, At: f.env.Now()})
			if f.failSignal[id] {
				return errors.New("workflow not found")
			}
			if id == workflows.GovernmentWorkflowID && name == workflows.SignalSubscribe {
				// The government answers a subscription with its status.
				f.env.RegisterDelayedCallback(func() { f.env.SignalWorkflow(workflows.SignalGovernmentStatus, f.gov) }, time.Second)
			}
			return nil
		})
	return f
}

// on mocks an activity for this test; call it before run, whose defaults
// then only answer what the test did not mock (the first match wins).
func (f *fake) on(fn any, ret ...any) *testsuite.MockCallWrapper {
	return f.env.OnActivity(fn, mock.Anything, mock.Anything).Return(ret...)
}

// defaults answers every activity with an empty success.
func (f *fake) defaults() {
	f.on(mact.SaveCall, activities.SaveCallResult{}, nil)
	f.on(mact.AnnounceLaunch, activities.AnnounceLaunchResult{}, nil)
	f.on(mact.DeliverMail, activities.DeliverMailResult{}, nil)
	f.on(mact.RecordApplications, activities.RecordApplicationsResult{}, nil)
	f.on(mact.AutoScreen, activities.AutoScreenResult{}, nil)
	f.on(mact.RecordVerdicts, activities.RecordVerdictsResult{}, nil)
	f.on(mact.EndScreening, activities.EndScreeningResult{}, nil)
	f.on(mact.ExportScoring, activities.ExportScoringResult{Path: "/out/scoring.xlsx"}, nil)
	f.on(mact.ApplyScores, activities.ApplyScoresResult{}, nil)
	f.on(mact.RecordDecision, activities.RecordDecisionResult{}, nil)
	f.on(mact.LapseCall, activities.LapseCallResult{}, nil)
	f.on(mact.SetCallStatus, activities.SetCallStatusResult{}, nil)
	f.on(mact.CancelCall, activities.CancelCallResult{}, nil)
	f.on(mact.StartGrants, activities.StartGrantsResult{}, nil)
	f.on(mact.RecordGovernmentChange, activities.RecordGovernmentChangeResult{}, nil)
	f.on(mact.LatestGovernmentChange, activities.LatestGovernmentChangeResult{}, nil)
	f.on(mact.OpenGrant, activities.OpenGrantResult{}, nil)
	f.on(mact.GrantMail, activities.GrantMailResult{}, nil)
	f.on(mact.RecordGrantDates, activities.GrantDatesResult{}, nil)
	f.on(mact.OrderPayment, activities.OrderPaymentResult{}, nil)
	f.on(mact.ConfirmPayment, activities.ConfirmPaymentResult{}, nil)
	f.on(mact.RecordReport, activities.RecordReportResult{}, nil)
	f.on(mact.ReviewReport, activities.ReviewReportResult{}, nil)
	f.on(mact.CloseGrant, activities.CloseGrantResult{}, nil)
	f.on(mact.RecordDirectGrant, activities.DirectGrantResult{}, nil)
	f.on(mact.RecordExpense, activities.ExpenseResult{}, nil)
	f.on(mact.RecordBudgetHistory, activities.BudgetHistoryResult{}, nil)
	f.on(mact.BuildAnnualReport, activities.BuildAnnualReportResult{}, nil)
}

// run executes workflow name with arg; a workflow still waiting at
// `until` after the start is cancelled then (0: let it end by itself).
func (f *fake) run(until time.Duration, name string, arg any) {
	f.t.Helper()
	f.defaults()
	if until > 0 {
		f.env.RegisterDelayedCallback(f.env.CancelWorkflow, until)
	}
	f.env.ExecuteWorkflow(name, arg)
	if !f.env.IsWorkflowCompleted() {
		f.t.Fatal("workflow did not complete")
	}
}

// after runs fn at virtual time d after the start.
func (f *fake) after(d time.Duration, fn func()) { f.env.RegisterDelayedCallback(fn, d) }

// upd is the outcome of one update.
type upd struct {
	rejected, err error
	result        any
	done          bool
}

func (u *upd) ok() bool { return u.done && u.rejected == nil && u.err == nil }

func (u *upd) String() string {
	return fmt.Sprintf("done=%v rejected=%v err=%v result=%+v", u.done, u.rejected, u.err, u.result)
}

// update sends an update at virtual time d after the start.
func (f *fake) update(d time.Duration, name string, arg any) *upd {
	u := &upd{}
	f.after(d, func() {
		f.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { u.rejected, u.done = err, true },
			OnAccept:   func() {},
			OnComplete: func(v any, err error) { u.result, u.err, u.done = v, err, true },
		}, arg)
	})
	return u
}

// query runs a query at virtual time d and decodes it into out.
func (f *fake) query(d time.Duration, name string, arg, out any) {
	f.after(d, func() {
		v, err := f.env.QueryWorkflow(name, arg)
		if err != nil {
			f.t.Errorf("query %s at %s: %v", name, d, err)
			return
		}
		if err := v.Get(out); err != nil {
			f.t.Errorf("query %s: %v", name, err)
		}
	})
}

func (f *fake) signal(d time.Duration, name string, arg any) {
	f.after(d, func() { f.env.SignalWorkflow(name, arg) })
}

// names lists the activities started, leaving out mail delivery (it runs
// beside the workflow's own steps, whenever mail is queued).
func (f *fake) names() []string {
	var out []string
	for _, a := range f.acts {
		if a.Name != "DeliverMail" {
			out = append(out, a.Name)
		}
	}
	return out
}

// count is how many times activity name started.
func (f *fake) count(name string) int {
	n := 0
	for _, a := range f.acts {
		if a.Name == name {
			n++
		}
	}
	return n
}

// all returns every start of activity name, in order.
func (f *fake) all(name string) []started {
	var out []started
	for _, a := range f.acts {
		if a.Name == name {
			out = append(out, a)
		}
	}
	return out
}

// input decodes the i-th start of activity name into ptr.
func (f *fake) input(name string, i int, ptr any) started {
	f.t.Helper()
	all := f.all(name)
	if i >= len(all) {
		f.t.Fatalf("%s started %d times, want at least %d (activities: %v)", name, len(all), i+1, f.names())
	}
	if err := all[i].args.Get(ptr); err != nil {
		f.t.Fatalf("decode %s input: %v", name, err)
	}
	return all[i]
}

// signalsNamed lists the signals sent with that name.
func (f *fake) signalsNamed(name string) []signalOut {
	var out []signalOut
	for _, s := range f.signals {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func wantNames(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("activities:\n got %v\nwant %v", got, want)
	}
}

// errType is the application error type of err, or "".
func errType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

// failNow is an activity error that is not retried.
func failNow(msg string) error { return temporal.NewNonRetryableApplicationError(msg, "Test", nil) }

// ---- calls

const (
	rTPO    = "Territoire palestinien occupé"
	rRabat  = "Région de Rabat-Salé-Kénitra"
	rKinsha = "Ville-Province de Kinshasa"
)

func fakeCall() callspec.Call {
	return callspec.Call{ID: "AP-SUD-2024", Kind: "sud", Year: 2024, Title: "Appel à projets Sud 2024", Theme: "économie",
		Envelope: money.Euros(200400), Reserved: []callspec.ReservedEnvelope{{Region: rTPO, Amount: money.Euros(424946)}},
		MinGrant: money.Euros(10000), MaxGrant: money.Euros(125000),
		Regions:  []string{rTPO, rRabat, rKinsha},
		Criteria: []callspec.Criterion{{Key: "pertinence", Name: "Pertinence", Weight: 100, Min: 0, Max: 10}},
		Deadline: fakeStart.AddDate(0, 0, 30), Tranches: []callspec.Tranche{{Percent: 100, On: callspec.OnSignature}},
		Report: callspec.ReportRules{DelayDays: 60}, Reviewers: []string{"AB"}}
}

var tokenSeq atomic.Int64

// sub is a valid submission with a fresh token.
func sub(assoc, title, region string, euros int64) intake.Submission {
	return intake.Submission{Token: fmt.Sprintf("00000000-0000-4000-8000-%012d", tokenSeq.Add(1)), Association: assoc,
		Title: title, Region: region, Amount: money.Euros(euros)}
}

func batch(subs ...intake.Submission) workflows.SubmitInput {
	return workflows.SubmitInput{Submissions: subs, By: "officer"}
}

func (f *fake) callStatus(d time.Duration) *workflows.StatusResult {
	s := &workflows.StatusResult{}
	f.query(d, workflows.QueryStatus, workflows.StatusQuery{}, s)
	return s
}

const importID = "11111111-2222-4333-8444-555555555555"

// proposal mocks the scores import with these picks (all selected).
func (f *fake) proposal(picks ...selection.Pick) {
	res := activities.ApplyScoresResult{Ranked: len(picks), Selected: len(picks), ProposalPath: "/out/proposal.xlsx", Picks: picks}
	for _, p := range picks {
		res.SelectedTotal += p.Amount
	}
	f.on(mact.ApplyScores, res, nil)
}
