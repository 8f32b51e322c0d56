package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
)

type sent struct {
	to     string
	status workflows.GovernmentStatus
}

func TestGovernmentTellsEverySubscriber(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	workflows.Register(env)
	env.RegisterActivity(&activities.Activities{DB: db})
	var out []sent
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", workflows.SignalGovernmentStatus, mock.Anything).Return(
		func(_, id, _, _ string, arg any) error {
			out = append(out, sent{id, arg.(workflows.GovernmentStatus)})
			return nil
		})
	type res struct{ rejected, err error }
	var twice, notCaretaker, before, future, ok1, ok2 res
	upd := func(at time.Duration, name string, arg any, r *res) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
				OnReject: func(err error) { r.rejected = err }, OnAccept: func() {},
				OnComplete: func(_ any, err error) { r.err = err },
			}, arg)
		}, at)
	}
	sig := func(at time.Duration, name, id string) {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, workflows.SubscribeSignal{WorkflowID: id}) }, at)
	}
	june := start.AddDate(0, 0, 10)
	sig(time.Hour, workflows.SignalSubscribe, "call-A")
	upd(day, workflows.UpdateInstalled, workflows.InstalledInput{On: start, By: "officer"}, &notCaretaker)
	upd(day, workflows.UpdateCaretaker, workflows.CaretakerInput{Since: start.AddDate(0, 0, 30), By: "officer"}, &future)
	upd(20*day, workflows.UpdateCaretaker, workflows.CaretakerInput{Since: june, By: "officer"}, &ok1)
	sig(21*day, workflows.SignalSubscribe, "call-B")
	upd(22*day, workflows.UpdateCaretaker, workflows.CaretakerInput{Since: june, By: "officer"}, &twice)
	upd(23*day, workflows.UpdateInstalled, workflows.InstalledInput{On: start, By: "officer"}, &before)
	sig(24*day, workflows.SignalUnsubscribe, "call-A")
	upd(25*day, workflows.UpdateInstalled, workflows.InstalledInput{On: start.AddDate(0, 0, 25), By: "officer"}, &ok2)
	var q workflows.GovernmentQueryResult
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryGovernment, workflows.GovernmentQuery{})
		if err == nil {
			_ = v.Get(&q)
		}
	}, 26*day)
	env.RegisterDelayedCallback(env.CancelWorkflow, 27*day)
	env.ExecuteWorkflow(workflows.GovernmentWorkflowName, workflows.GovernmentInput{})

	for name, r := range map[string]res{"installed while in office": notCaretaker, "caretaker in the future": future,
		"caretaker twice": twice, "installed before caretaker began": before} {
		if r.rejected == nil {
			t.Errorf("%s: want a refusal", name)
		}
	}
	if ok1.err != nil || ok1.rejected != nil || ok2.err != nil || ok2.rejected != nil {
		t.Fatalf("changes: %+v %+v", ok1, ok2)
	}
	var got []string
	for _, s := range out {
		got = append(got, s.to+":"+map[bool]string{true: "caretaker", false: "office"}[s.status.Caretaker])
	}
	// A on subscribing (in office), A on caretaker, B on subscribing
	// (caretaker), then only B on installation (A unsubscribed).
	if strings.Join(got, " ") != "call-A:office call-A:caretaker call-B:caretaker call-B:office" {
		t.Fatalf("signals sent: %v", got)
	}
	if q.Status.Caretaker || q.Status.Version != 2 || len(q.Waiting) != 1 || q.Waiting[0] != "call-B" {
		t.Fatalf("query: %+v", q)
	}
	var n int
	_ = db.QueryRow(t.Context(), `SELECT count(*) FROM government_changes WHERE changed_by = 'officer'`).Scan(&n)
	if n != 2 {
		t.Fatalf("changes recorded: %d", n)
	}
}
