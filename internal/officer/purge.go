package officer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// EnsurePurgeSchedule creates the schedule that purges abandoned intake
// rows every workflows.PurgeIntakeEvery, or brings its spec and retention
// in line with the configuration. The worker calls it at start.
func EnsurePurgeSchedule(ctx context.Context, c client.Client, retention time.Duration) error {
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: workflows.PurgeIntakeEvery}}}
	action := &client.ScheduleWorkflowAction{
		ID: workflows.PurgeIntakeScheduledID, Workflow: workflows.PurgeIntakeWorkflowName,
		Args: []any{workflows.PurgeIntakeInput{Retention: retention}}, TaskQueue: workflows.TaskQueue,
	}
	return ensureSchedule(ctx, c, client.ScheduleOptions{
		ID: workflows.PurgeIntakeScheduleID, Spec: spec, Action: action,
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		// A run missed while the server was down is not worth replaying:
		// the next one purges the same rows.
		CatchupWindow: workflows.PurgeIntakeEvery,
		Note:          fmt.Sprintf("Deletes intake rows no workflow consumed, older than %s (INTAKE_RETENTION); counts in purge_log.", retention),
	})
}

// ensureSchedule creates a schedule, or, when it exists (a worker restart),
// replaces its spec and action with opts'.
func ensureSchedule(ctx context.Context, c client.Client, opts client.ScheduleOptions) error {
	_, err := c.ScheduleClient().Create(ctx, opts)
	var exists *serviceerror.AlreadyExists
	if err == nil {
		return nil
	}
	if !errors.As(err, &exists) && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("schedule %s: %w", opts.ID, err)
	}
	h := c.ScheduleClient().GetHandle(ctx, opts.ID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		in.Description.Schedule.Spec = &opts.Spec
		in.Description.Schedule.Action = opts.Action
		return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
	}})
	if err != nil {
		return fmt.Errorf("schedule %s: %w", opts.ID, err)
	}
	return nil
}
