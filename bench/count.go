package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"golang.org/x/sync/errgroup"
)

// tally is what histories say was done: the exact number of updates and
// activities the baseline has to match, and what the server stored for
// them, by kind of event.
type tally struct {
	runs       int
	events     int
	updates    int            // WorkflowExecutionUpdateAccepted events
	activities map[string]int // ActivityTaskScheduled events and local activity markers, by activity type
	local      map[string]int // of which local activities (MarkerRecorded "LocalActivity"), by type
	kinds      map[string]int // events by category (see category)
	wfTimedOut int            // WorkflowTaskTimedOut: a sticky task not picked up in 5 s
	wfFailed   int            // WorkflowTaskFailed (e.g. UnhandledCommand)
}

func newTally() tally {
	return tally{activities: map[string]int{}, local: map[string]int{}, kinds: map[string]int{}}
}

func (t *tally) add(o tally) {
	t.runs += o.runs
	t.events += o.events
	t.updates += o.updates
	t.wfTimedOut += o.wfTimedOut
	t.wfFailed += o.wfFailed
	for k, n := range o.activities {
		t.activities[k] += n
	}
	for k, n := range o.local {
		t.local[k] += n
	}
	for k, n := range o.kinds {
		t.kinds[k] += n
	}
}

// activityCount is every activity executed, regular and local.
func (t tally) activityCount() (n int) {
	for _, v := range t.activities {
		n += v
	}
	return n
}

func (t tally) localCount() (n int) {
	for _, v := range t.local {
		n += v
	}
	return n
}

// counts covers the call (each run kept apart: its history target is per
// run) and every grant workflow.
type counts struct {
	call           []tally // one per run, oldest first
	callCurrentLen int64   // DescribeWorkflowExecution's HistoryLength of the current run
	callStatusRuns int     // the status query's Runs
	grants         tally
	all            tally // call and grants together
}

func (c counts) callEvents() (total, largest int) {
	for _, r := range c.call {
		total += r.events
		largest = max(largest, r.events)
	}
	return total, largest
}

// countHistories reads every run of the call and of each grant workflow.
func countHistories(ctx context.Context, tc client.Client, grants []operations.DecisionGrant, statusRuns int) (counts, error) {
	c := counts{callStatusRuns: statusRuns, grants: newTally(), all: newTally()}
	callWF := workflows.CallWorkflowID(callID)
	d, err := tc.DescribeWorkflowExecution(ctx, callWF, "")
	if err != nil {
		return c, err
	}
	c.callCurrentLen = d.GetWorkflowExecutionInfo().GetHistoryLength()
	if c.call, err = tallyRuns(ctx, tc, callWF); err != nil {
		return c, err
	}
	for _, r := range c.call {
		c.all.add(r)
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, gr := range grants {
		g.Go(func() error {
			runs, err := tallyRuns(gctx, tc, workflows.GrantWorkflowID(gr.Reference))
			mu.Lock()
			defer mu.Unlock()
			for _, r := range runs {
				c.grants.add(r)
				c.all.add(r)
			}
			return err
		})
	}
	return c, g.Wait()
}

// tallyRuns walks a workflow's runs from the current one back through
// continue-as-new (each run's first event names the previous run), and
// returns them oldest first.
func tallyRuns(ctx context.Context, tc client.Client, workflowID string) ([]tally, error) {
	var out []tally
	runID := ""
	for {
		t := newTally()
		t.runs = 1
		prev := ""
		it := tc.GetWorkflowHistory(ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return nil, fmt.Errorf("history of %s: %w", workflowID, err)
			}
			if p := t.addEvent(ev); p != "" {
				prev = p
			}
		}
		out = append([]tally{t}, out...)
		if prev == "" {
			return out, nil
		}
		runID = prev
	}
}

// localActivityMarker is the marker the Go SDK records for a local
// activity's result (go.temporal.io/sdk internal: localActivityMarkerName),
// in place of the three ActivityTask events of a regular one. Its "data"
// detail (localActivityMarkerDataName) is the SDK's localActivityMarkerData
// through the data converter; ActivityType is the field counted here.
const (
	localActivityMarker     = "LocalActivity"
	localActivityMarkerData = "data"
)

// addEvent counts one history event; it returns the previous run's ID when
// ev is a continued run's start event.
func (t *tally) addEvent(ev *historypb.HistoryEvent) (prevRun string) {
	t.events++
	t.kinds[category(ev.GetEventType())]++
	switch ev.GetEventType() {
	case enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
		prevRun = ev.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
	case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		t.activities[ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()]++
	case enums.EVENT_TYPE_MARKER_RECORDED:
		if m := ev.GetMarkerRecordedEventAttributes(); m.GetMarkerName() == localActivityMarker {
			typ := localActivityType(m)
			t.activities[typ]++
			t.local[typ]++
		}
	case enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
		t.updates++
	case enums.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
		t.wfTimedOut++
	case enums.EVENT_TYPE_WORKFLOW_TASK_FAILED:
		t.wfFailed++
	}
	return prevRun
}

// localActivityType reads the activity type from a local activity marker.
// A marker whose data cannot be read still counts, as "(local, unknown
// type)": the op count must not lose it.
func localActivityType(m *historypb.MarkerRecordedEventAttributes) string {
	var data struct{ ActivityType string }
	if p := m.GetDetails()[localActivityMarkerData]; p != nil &&
		converter.GetDefaultDataConverter().FromPayloads(p, &data) == nil && data.ActivityType != "" {
		return data.ActivityType
	}
	return "(local, unknown type)"
}

// category groups event types by what caused them.
func category(t enums.EventType) string {
	switch t {
	case enums.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enums.EVENT_TYPE_WORKFLOW_TASK_STARTED, enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
		enums.EVENT_TYPE_WORKFLOW_TASK_FAILED, enums.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
		return "workflow tasks"
	case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enums.EVENT_TYPE_ACTIVITY_TASK_STARTED, enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
		enums.EVENT_TYPE_ACTIVITY_TASK_FAILED, enums.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
		enums.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, enums.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
		return "activities"
	case enums.EVENT_TYPE_MARKER_RECORDED: // local activities (the only markers callcycle records)
		return "local activity markers"
	case enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
		enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED:
		return "updates"
	case enums.EVENT_TYPE_TIMER_STARTED, enums.EVENT_TYPE_TIMER_FIRED, enums.EVENT_TYPE_TIMER_CANCELED:
		return "timers"
	case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
		return "search attributes"
	case enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, enums.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
		enums.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
		return "signals"
	}
	return "other"
}

// breakdown prints m as "key n, key n, ..." largest first, each n divided
// by per (1 for totals).
func breakdown(m map[string]int, per int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		if per == 1 {
			parts[i] = fmt.Sprintf("%s %s", k, thousands(m[k]))
		} else {
			parts[i] = fmt.Sprintf("%s %.1f", k, float64(m[k])/float64(per))
		}
	}
	return strings.Join(parts, ", ")
}
