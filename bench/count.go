package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"
)

// counts is what the histories say was done: the exact number of updates
// and activities the baseline has to match.
type counts struct {
	callRuns       []int // events per run of the call workflow, oldest first
	callCurrentLen int64 // DescribeWorkflowExecution's HistoryLength of the current run
	callStatusRuns int   // the status query's Runs
	grantEvents    int
	grantRuns      int
	updates        int            // WorkflowExecutionUpdateAccepted events
	activities     int            // ActivityTaskScheduled events
	wfTasks        int            // WorkflowTaskScheduled events
	wfTimedOut     int            // WorkflowTaskTimedOut: a sticky task not picked up in 5 s, rescheduled
	wfFailed       int            // WorkflowTaskFailed (e.g. UnhandledCommand)
	byType         map[string]int // activities per type
}

func (c counts) callEvents() (total, largest int) {
	for _, n := range c.callRuns {
		total += n
		largest = max(largest, n)
	}
	return total, largest
}

// countHistories reads every run of the call and of each grant workflow.
func countHistories(ctx context.Context, tc client.Client, grants []workflows.DecisionGrant, statusRuns int) (counts, error) {
	c := counts{byType: map[string]int{}, callStatusRuns: statusRuns}
	var mu sync.Mutex
	add := func(runs []runTally, isCall bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range runs {
			c.updates += r.updates
			c.wfTasks += r.wfTasks
			c.wfTimedOut += r.wfTimedOut
			c.wfFailed += r.wfFailed
			for t, n := range r.activities {
				c.activities += n
				c.byType[t] += n
			}
			if isCall {
				c.callRuns = append([]int{r.events}, c.callRuns...)
			} else {
				c.grantEvents += r.events
				c.grantRuns++
			}
		}
	}
	callWF := workflows.CallWorkflowID(callID)
	d, err := tc.DescribeWorkflowExecution(ctx, callWF, "")
	if err != nil {
		return c, err
	}
	c.callCurrentLen = d.GetWorkflowExecutionInfo().GetHistoryLength()
	runs, err := tallyRuns(ctx, tc, callWF)
	if err != nil {
		return c, err
	}
	add(runs, true)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, gr := range grants {
		g.Go(func() error {
			runs, err := tallyRuns(gctx, tc, workflows.GrantWorkflowID(gr.Reference))
			add(runs, false)
			return err
		})
	}
	return c, g.Wait()
}

type runTally struct {
	events, updates               int
	wfTasks, wfTimedOut, wfFailed int
	activities                    map[string]int
}

// tallyRuns walks a workflow's runs from the current one back through
// continue-as-new (each run's first event names the previous run).
func tallyRuns(ctx context.Context, tc client.Client, workflowID string) ([]runTally, error) {
	var out []runTally
	runID := ""
	for {
		t := runTally{activities: map[string]int{}}
		prev := ""
		it := tc.GetWorkflowHistory(ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return nil, fmt.Errorf("history of %s: %w", workflowID, err)
			}
			t.events++
			switch ev.GetEventType() {
			case enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				prev = ev.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
			case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				t.activities[ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()]++
			case enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
				t.updates++
			case enums.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
				t.wfTasks++
			case enums.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
				t.wfTimedOut++
			case enums.EVENT_TYPE_WORKFLOW_TASK_FAILED:
				t.wfFailed++
			}
		}
		out = append(out, t)
		if prev == "" {
			return out, nil
		}
		runID = prev
	}
}

// activityBreakdown is "Type n, Type n, ..." by count, largest first.
func (c counts) activityBreakdown() string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range c.byType {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v || list[i].v == list[j].v && list[i].k < list[j].k })
	var parts []string
	for _, x := range list {
		parts = append(parts, fmt.Sprintf("%s %s", x.k, thousands(x.v)))
	}
	return strings.Join(parts, ", ")
}
