// Package workerapp is what a callcycle worker is, wherever it runs (the
// worker binary, the demo's in-process worker, the tests): the workflows
// and activities it registers, and the entities and schedules it makes
// sure exist when it starts.
package workerapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
)

// Register registers every workflow and the activities on w.
func Register(w worker.Registry, acts *activities.Activities) {
	workflows.Register(w)
	w.RegisterActivity(acts)
}

// New is a worker of callcycle's task queue with everything registered.
func New(c client.Client, acts *activities.Activities, opts worker.Options) worker.Worker {
	w := worker.New(c, workflows.TaskQueue, opts)
	Register(w, acts)
	return w
}

// Schedules configures the schedules a worker keeps.
type Schedules struct {
	AnnualReport    config.AnnualSchedule // when the annual report of the year that ended is written
	IntakeRetention time.Duration         // how old unconsumed intake rows are purged
}

// Bootstrap makes sure what workflows rely on exists: the government
// entity, the annual-report schedule, the intake purge schedule and the
// closed-history export schedule (a
// schedule that exists is brought in line with s). It is idempotent; the
// worker runs it at every start.
func Bootstrap(ctx context.Context, c client.Client, s Schedules) error {
	if err := operations.EnsureGovernment(ctx, c); err != nil {
		return fmt.Errorf("start the government workflow: %w", err)
	}
	if err := EnsureAnnualSchedule(ctx, c, s.AnnualReport); err != nil {
		return err
	}
	if err := EnsurePurgeSchedule(ctx, c, s.IntakeRetention); err != nil {
		return err
	}
	return EnsureExportSchedule(ctx, c)
}

// EnsureExportSchedule creates the schedule that copies closed runs'
// histories into PostgreSQL every workflows.ExportHistoriesEvery.
func EnsureExportSchedule(ctx context.Context, c client.Client) error {
	return ensureSchedule(ctx, c, client.ScheduleOptions{
		ID:   workflows.ExportHistoriesScheduleID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: workflows.ExportHistoriesEvery}}},
		Action: &client.ScheduleWorkflowAction{
			ID: workflows.ExportHistoriesScheduledID, Workflow: workflows.ExportHistoriesWorkflowName,
			Args: []any{workflows.ExportHistoriesInput{}}, TaskQueue: workflows.TaskQueue,
		},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		// One run catches up on everything since the last: a missed one
		// need not be replayed.
		CatchupWindow: workflows.ExportHistoriesEvery,
		Note:          "Copies the histories of closed calls, grants and the like into PostgreSQL (closed_histories), where they outlive the namespace retention.",
	})
}

// EnsureAnnualSchedule creates the yearly annual-report schedule, or
// brings its spec in line with the configuration.
func EnsureAnnualSchedule(ctx context.Context, c client.Client, at config.AnnualSchedule) error {
	return ensureSchedule(ctx, c, client.ScheduleOptions{
		ID: workflows.AnnualReportScheduleID,
		Spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Month:      []client.ScheduleRange{{Start: at.Month}},
				DayOfMonth: []client.ScheduleRange{{Start: at.Day}},
				Hour:       []client.ScheduleRange{{Start: at.Hour}},
				Minute:     []client.ScheduleRange{{Start: at.Minute}},
				Second:     []client.ScheduleRange{{Start: 0}},
				Comment:    "annual report of the year that ended",
			}},
			TimeZoneName: "Europe/Brussels",
		},
		Action: &client.ScheduleWorkflowAction{
			ID: "annual-report-scheduled", Workflow: workflows.AnnualReportWorkflowName,
			Args: []any{workflows.AnnualReportInput{}}, TaskQueue: workflows.TaskQueue,
		},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    "Writes the annual report workbook of the year that ended.",
	})
}

// EnsurePurgeSchedule creates the schedule that purges abandoned intake
// rows every workflows.PurgeIntakeEvery, or brings its spec and retention
// in line with the configuration.
func EnsurePurgeSchedule(ctx context.Context, c client.Client, retention time.Duration) error {
	return ensureSchedule(ctx, c, client.ScheduleOptions{
		ID:   workflows.PurgeIntakeScheduleID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: workflows.PurgeIntakeEvery}}},
		Action: &client.ScheduleWorkflowAction{
			ID: workflows.PurgeIntakeScheduledID, Workflow: workflows.PurgeIntakeWorkflowName,
			Args: []any{workflows.PurgeIntakeInput{Retention: retention}}, TaskQueue: workflows.TaskQueue,
		},
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
	if err == nil {
		return nil
	}
	var exists *serviceerror.AlreadyExists
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
