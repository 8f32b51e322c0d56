package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"golang.org/x/sync/errgroup"
)

// The baseline is the least Temporal work that matches callcycle's counts:
// the same number of updates and of activities, with empty bodies, on the
// same server, from a worker in this process on its own task queue.
const baselineQueue = "bench-baseline"

// perRun is when both bare workflows continue as new, as the call does
// after 1,000 updates (the server refuses more than 2,000 per run).
const perRun = 1000

// BareUpdates accepts updates with an empty validator and handler.
func BareUpdates(ctx workflow.Context) error {
	n := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, "noop", func(workflow.Context) error { n++; return nil },
		workflow.UpdateHandlerOptions{Validator: func(workflow.Context) error { return nil }})
	if err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return n >= perRun && workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, BareUpdates)
}

// BareActivities runs `left` empty activities, `parallel` at a time; the
// first `local` of them are local activities (the like-for-like mix).
func BareActivities(ctx workflow.Context, left, local, parallel int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
	n := min(left, perRun)
	sel := workflow.NewSelector(ctx)
	var failed error
	started, pending := 0, 0
	for started < n || pending > 0 {
		for pending < parallel && started < n {
			sel.AddFuture(noop(ctx, started < local), func(f workflow.Future) {
				if err := f.Get(ctx, nil); err != nil {
					failed = err
				}
			})
			started++
			pending++
		}
		sel.Select(ctx)
		pending--
		if failed != nil {
			return failed
		}
	}
	if left > n {
		return workflow.NewContinueAsNewError(ctx, BareActivities, left-n, max(0, local-n), parallel)
	}
	return nil
}

// noop runs Noop as a local or a regular activity.
func noop(ctx workflow.Context, local bool) workflow.Future {
	if local {
		return workflow.ExecuteLocalActivity(ctx, Noop)
	}
	return workflow.ExecuteActivity(ctx, Noop)
}

// BareSequence runs n empty activities one after the other, the first
// `local` of them local: with `parallel` of these at once, the shape of
// grants driven concurrently.
func BareSequence(ctx workflow.Context, n, local int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
	for i := range n {
		if err := noop(ctx, i < local).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// Noop is an activity that returns at once.
func Noop(context.Context) error { return nil }

type baselineResult struct {
	history                  tally // both bare workflows, every run
	updates, activities      int
	updateWall, activityWall time.Duration
	// The activities are run in two shapes and the faster one counts:
	// one workflow with `parallel` in flight, and `parallel` workflows
	// each running its share one after the other.
	oneWorkflowWall, spreadWall time.Duration
	updateRetries               int
	inFlight, activityInFlight  int
	// Like-for-like: the same activities again in the faster shape, with
	// as many of them local as callcycle ran (0: none, the same figure).
	mixLocal int
	mixWall  time.Duration
}

func (b baselineResult) wall() time.Duration { return b.updateWall + b.activityWall }

func (b baselineResult) perSecond() float64 {
	return float64(b.updates+b.activities) / b.wall().Seconds()
}

// mixTotal is the like-for-like baseline's wall time.
func (b baselineResult) mixTotal() time.Duration {
	if b.mixLocal == 0 {
		return b.wall()
	}
	return b.updateWall + b.mixWall
}

func (b baselineResult) mixPerSecond() float64 {
	return float64(b.updates+b.activities) / b.mixTotal().Seconds()
}

// runBaseline sends `updates` updates (≤ inFlight at once, one workflow)
// then runs `activities` regular activities (≤ parallel at once). The two
// run one after the other, so neither slows the other. Then, if `local`
// is not 0, the like-for-like figure: the activities again in the faster
// shape, `local` of them local activities.
func runBaseline(ctx context.Context, tc client.Client, updates, activities, local, inFlight, parallel int) (baselineResult, error) {
	res := baselineResult{updates: updates, activities: activities, inFlight: inFlight, activityInFlight: parallel}
	w := worker.New(tc, baselineQueue, worker.Options{})
	w.RegisterWorkflow(BareUpdates)
	w.RegisterWorkflow(BareActivities)
	w.RegisterWorkflow(BareSequence)
	w.RegisterActivity(Noop)
	if err := w.Start(); err != nil {
		return res, err
	}
	defer w.Stop()

	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-bare-updates", TaskQueue: baselineQueue}, BareUpdates)
	if err != nil {
		return res, err
	}
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(inFlight)
	retries := make(chan int, updates)
	for range updates {
		g.Go(func() error {
			// An update that reaches a run as it continues as new is
			// refused; send it again, as a client would.
			for attempt := 0; ; attempt++ {
				h, err := tc.UpdateWorkflow(gctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: "noop",
					WaitForStage: client.WorkflowUpdateStageCompleted})
				if err == nil {
					err = h.Get(gctx, nil)
				}
				if err == nil {
					retries <- attempt
					return nil
				}
				if attempt == 20 || gctx.Err() != nil {
					return fmt.Errorf("baseline update: %w", err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	err = g.Wait()
	res.updateWall = time.Since(start)
	close(retries)
	for r := range retries {
		res.updateRetries += r
	}
	_ = tc.TerminateWorkflow(context.WithoutCancel(ctx), run.GetID(), "", "baseline done")
	if err != nil {
		return res, err
	}

	res.oneWorkflowWall, err = oneWorkflow(ctx, tc, "bench-bare-activities", activities, 0, parallel)
	if err != nil {
		return res, err
	}
	var ids []string
	res.spreadWall, ids, err = spread(ctx, tc, "bench-bare-sequence", activities, 0, parallel)
	if err != nil {
		return res, err
	}
	res.activityWall = min(res.oneWorkflowWall, res.spreadWall)
	res.history = newTally()
	counted := []string{"bench-bare-updates", "bench-bare-activities"}
	if res.spreadWall < res.oneWorkflowWall {
		counted = append([]string{"bench-bare-updates"}, ids...)
	}
	for _, id := range counted {
		runs, err := tallyRuns(ctx, tc, id)
		if err != nil {
			return res, err
		}
		for _, r := range runs {
			res.history.add(r)
		}
	}
	if local > 0 {
		res.mixLocal = local
		if res.spreadWall < res.oneWorkflowWall {
			res.mixWall, _, err = spread(ctx, tc, "bench-mix-sequence", activities, local, parallel)
		} else {
			res.mixWall, err = oneWorkflow(ctx, tc, "bench-mix-activities", activities, local, parallel)
		}
	}
	return res, err
}

// oneWorkflow runs the activities on one workflow, `parallel` in flight.
func oneWorkflow(ctx context.Context, tc client.Client, id string, activities, local, parallel int) (time.Duration, error) {
	start := time.Now()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: baselineQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, BareActivities, activities, local, parallel)
	if err == nil {
		err = run.Get(ctx, nil) // follows continue-as-new to the last run
	}
	return time.Since(start), err
}

// spread runs the activities on `parallel` workflows at once, each doing
// its share one after the other (and its share of the local ones first).
func spread(ctx context.Context, tc client.Client, prefix string, activities, local, parallel int) (time.Duration, []string, error) {
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	var ids []string
	share := func(total, i int) int {
		if i < total%parallel {
			return total/parallel + 1
		}
		return total / parallel
	}
	for i := range parallel {
		n, l := share(activities, i), share(local, i)
		id := fmt.Sprintf("%s-%d", prefix, i)
		ids = append(ids, id)
		g.Go(func() error {
			run, err := tc.ExecuteWorkflow(gctx, client.StartWorkflowOptions{ID: id, TaskQueue: baselineQueue,
				WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, BareSequence, n, l)
			if err == nil {
				err = run.Get(gctx, nil)
			}
			return err
		})
	}
	err := g.Wait()
	return time.Since(start), ids, err
}
