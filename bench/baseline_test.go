package main

import (
	"context"
	"sync/atomic"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
)

// countingActivities counts the activities a test environment runs,
// local and regular apart.
type countingActivities struct {
	interceptor.ActivityInboundInterceptorBase
	local, regular *atomic.Int64
}

func (c *countingActivities) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if activity.GetInfo(ctx).IsLocalActivity {
		c.local.Add(1)
	} else {
		c.regular.Add(1)
	}
	return c.Next.ExecuteActivity(ctx, in)
}

type counter struct {
	interceptor.WorkerInterceptorBase
	local, regular atomic.Int64
}

func (c *counter) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &countingActivities{local: &c.local, regular: &c.regular}
	a.Next = next
	return a
}

// TestBaselineMix: the like-for-like baseline runs exactly `local` of its
// activities as local activities, in both shapes (no services: the SDK's
// test environment).
func TestBaselineMix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		run   func(env *testsuite.TestWorkflowEnvironment)
		local int64
		total int64
	}{
		{"one workflow", func(env *testsuite.TestWorkflowEnvironment) { env.ExecuteWorkflow(BareActivities, 40, 25, 4) }, 25, 40},
		{"one workflow, all regular", func(env *testsuite.TestWorkflowEnvironment) { env.ExecuteWorkflow(BareActivities, 40, 0, 4) }, 0, 40},
		{"sequence", func(env *testsuite.TestWorkflowEnvironment) { env.ExecuteWorkflow(BareSequence, 9, 4) }, 4, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			c := &counter{}
			env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{c}})
			env.RegisterActivity(Noop)
			tc.run(env)
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if c.local.Load() != tc.local || c.local.Load()+c.regular.Load() != tc.total {
				t.Errorf("%d local, %d regular; want %d local of %d", c.local.Load(), c.regular.Load(), tc.local, tc.total)
			}
		})
	}
}
