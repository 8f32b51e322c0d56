package main

import (
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
)

// TestLocalActivityMarkersCount: a local activity's marker counts as an
// activity of its type (and as local), beside ActivityTaskScheduled
// events; other markers and a marker without readable data do not lose
// the count.
func TestLocalActivityMarkersCount(t *testing.T) {
	// What the SDK records (internal localActivityMarkerData, through the
	// default data converter under the "data" key).
	marker := func(activityType string) *historypb.HistoryEvent {
		data, err := converter.GetDefaultDataConverter().ToPayloads(struct {
			ActivityID   string
			ActivityType string
			ReplayTime   time.Time
			Attempt      int32
		}{"3", activityType, time.Now(), 1})
		if err != nil {
			t.Fatal(err)
		}
		return &historypb.HistoryEvent{EventType: enums.EVENT_TYPE_MARKER_RECORDED,
			Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
				MarkerName: "LocalActivity", Details: map[string]*commonpb.Payloads{"data": data}}}}
	}
	scheduled := func(activityType string) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventType: enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
			Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
				ActivityType: &commonpb.ActivityType{Name: activityType}}}}
	}
	other := &historypb.HistoryEvent{EventType: enums.EVENT_TYPE_MARKER_RECORDED,
		Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
			MarkerName: "Version"}}}
	undecodable := &historypb.HistoryEvent{EventType: enums.EVENT_TYPE_MARKER_RECORDED,
		Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
			MarkerName: "LocalActivity"}}}
	accepted := &historypb.HistoryEvent{EventType: enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED}
	started := &historypb.HistoryEvent{EventType: enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
		Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			ContinuedExecutionRunId: "run-1"}}}

	tl := newTally()
	var prev string
	for _, ev := range []*historypb.HistoryEvent{started, accepted, marker("RecordSignature"), marker("RecordSignature"),
		scheduled("DeliverMail"), marker("RecordPayment"), other, undecodable, accepted} {
		if p := tl.addEvent(ev); p != "" {
			prev = p
		}
	}
	if prev != "run-1" {
		t.Errorf("previous run %q, want run-1", prev)
	}
	if tl.events != 9 || tl.updates != 2 {
		t.Errorf("events %d, updates %d; want 9, 2", tl.events, tl.updates)
	}
	if got := tl.activityCount(); got != 5 {
		t.Errorf("activities %d (%v), want 5", got, tl.activities)
	}
	if got := tl.localCount(); got != 4 {
		t.Errorf("local activities %d (%v), want 4", got, tl.local)
	}
	want := map[string]int{"RecordSignature": 2, "DeliverMail": 1, "RecordPayment": 1, "(local, unknown type)": 1}
	for k, n := range want {
		if tl.activities[k] != n {
			t.Errorf("activities[%q] = %d, want %d (%v)", k, tl.activities[k], n, tl.activities)
		}
	}
	if tl.local["DeliverMail"] != 0 || tl.local["RecordSignature"] != 2 {
		t.Errorf("local = %v", tl.local)
	}
	sum := newTally()
	sum.add(tl)
	sum.add(tl)
	if sum.localCount() != 8 || sum.activityCount() != 10 {
		t.Errorf("add: %d local of %d, want 8 of 10", sum.localCount(), sum.activityCount())
	}
}
