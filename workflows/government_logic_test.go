package workflows_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// A new government entity takes the last recorded status, answers each
// subscription with it, records every change and tells every subscriber,
// drops one that is gone, and continues as new with its subscribers.
func TestGovernmentLogic(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	since := time.Date(2024, 6, 9, 0, 0, 0, 0, time.UTC)
	f.on(mact.LatestGovernmentChange, activities.LatestGovernmentChangeResult{Found: true, Caretaker: true, Effective: since, By: "officer", Version: 4}, nil)
	f.failSignal["call-GONE"] = true
	f.signal(time.Hour, workflows.SignalSubscribe, workflows.SubscribeSignal{WorkflowID: "call-B"})
	f.signal(time.Hour, workflows.SignalSubscribe, workflows.SubscribeSignal{WorkflowID: "call-A"})
	f.signal(time.Hour, workflows.SignalSubscribe, workflows.SubscribeSignal{WorkflowID: "call-GONE"})
	f.signal(2*time.Hour, workflows.SignalSubscribe, workflows.SubscribeSignal{WorkflowID: "call-C"})
	f.signal(3*time.Hour, workflows.SignalUnsubscribe, workflows.SubscribeSignal{WorkflowID: "call-C"})
	twice := f.update(4*time.Hour, workflows.UpdateCaretaker, workflows.CaretakerInput{Since: since, By: "officer"})
	future := f.update(4*time.Hour, workflows.UpdateInstalled, workflows.InstalledInput{On: fakeStart.Add(fday), By: "officer"})
	beforeSince := f.update(4*time.Hour, workflows.UpdateInstalled, workflows.InstalledInput{On: since.Add(-fday), By: "officer"})
	var q workflows.GovernmentQueryResult
	f.query(4*time.Hour, workflows.QueryGovernment, workflows.GovernmentQuery{}, &q)
	// fakeStart is before `since`; move the clock: installed "now".
	ok := f.update(200*fday, workflows.UpdateInstalled, workflows.InstalledInput{On: fakeStart.Add(199 * fday), By: "officer"})
	f.run(0, workflows.GovernmentWorkflowName, workflows.GovernmentInput{MaxUpdatesPerRun: 1})

	var can *workflow.ContinueAsNewError
	if err := f.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new after 1 change, got %v", err)
	}
	if twice.rejected == nil || future.rejected == nil || beforeSince.rejected == nil || !ok.ok() {
		t.Fatalf("caretaker twice %s, installed in the future %s, before caretaker %s, installed %s", twice, future, beforeSince, ok)
	}
	if !q.Status.Caretaker || q.Status.Version != 4 || !slices.Equal(q.Waiting, []string{"call-A", "call-B", "call-GONE"}) {
		t.Fatalf("status before the change: %+v", q)
	}
	wantNames(t, f.names(), "LatestGovernmentChange", "RecordGovernmentChange")
	var rc activities.RecordGovernmentChangeInput
	f.input("RecordGovernmentChange", 0, &rc)
	if rc.Version != 5 || rc.Caretaker || !rc.Effective.Equal(fakeStart.Add(199*fday)) {
		t.Fatalf("change recorded as %+v", rc)
	}
	var answers, changes []string
	for _, s := range f.signalsNamed(workflows.SignalGovernmentStatus) {
		st := s.Arg.(workflows.GovernmentStatus)
		if st.Version == 4 {
			answers = append(answers, s.To)
		} else if st.Version == 5 && !st.Caretaker {
			changes = append(changes, s.To)
		}
	}
	slices.Sort(answers)
	slices.Sort(changes)
	if !slices.Equal(answers, []string{"call-A", "call-B", "call-C", "call-GONE"}) || !slices.Equal(changes, []string{"call-A", "call-B", "call-GONE"}) {
		t.Fatalf("answered %v, told of the change %v", answers, changes)
	}
	if n := ok.result.(workflows.GovernmentChangeResult).Notified; n != 2 {
		t.Fatalf("notified %d, want 2 (one call is gone)", n)
	}
	var next workflows.GovernmentInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.State.Status.Version != 5 || !slices.Equal(next.State.Subscribers, []string{"call-A", "call-B"}) || next.MaxUpdatesPerRun != 1 {
		t.Fatalf("carried %+v", next.State)
	}
	// The next run does not read the database again.
	g := newFake(t)
	var q2 workflows.GovernmentQueryResult
	g.query(time.Hour, workflows.QueryGovernment, workflows.GovernmentQuery{}, &q2)
	g.run(2*time.Hour, workflows.GovernmentWorkflowName, next)
	if len(g.names()) != 0 || q2.Status.Version != 5 {
		t.Fatalf("second run: activities %v, status %+v", g.names(), q2.Status)
	}
}
