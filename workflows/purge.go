package workflows

import (
	"fmt"
	"time"

	"github.com/callcycle/callcycle/activities"
	"go.temporal.io/sdk/workflow"
)

// Intake purge names. The schedule starts PurgeIntakeWorkflow every
// PurgeIntakeEvery with the retention the worker was configured with.
const (
	PurgeIntakeWorkflowName = "PurgeIntake"
	PurgeIntakeScheduleID   = "purge-intake"
	// PurgeIntakeScheduledID prefixes the id of every scheduled run (the
	// schedule appends the time).
	PurgeIntakeScheduledID = "purge-intake-scheduled"
	PurgeIntakeEvery       = time.Hour
)

// PurgeIntakeInput is the retention (INTAKE_RETENTION).
type PurgeIntakeInput struct {
	Retention time.Duration `json:"retention"`
}

// PurgeIntakeResult counts the rows purged; history never holds a row.
type PurgeIntakeResult = activities.PurgeIntakeResult

// purgeOptions: a batch is one short transaction and heartbeats, so a
// worker that dies mid-purge is noticed within a minute and the retry
// carries on with the run's cutoff.
var purgeOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Minute,
	HeartbeatTimeout:    time.Minute,
	RetryPolicy:         dbOptions.RetryPolicy,
}

// PurgeIntakeWorkflow deletes intake rows no workflow consumed, through
// one idempotent activity.
func PurgeIntakeWorkflow(ctx workflow.Context, in PurgeIntakeInput) (PurgeIntakeResult, error) {
	info := workflow.GetInfo(ctx)
	var res PurgeIntakeResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions), act.PurgeIntake, activities.PurgeIntakeInput{
		Run: info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID, Retention: in.Retention}).Get(ctx, &res)
	if err != nil {
		return res, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Intake purge**: %d rows older than %s purged, %d kept for running imports",
		res.Purged, in.Retention, res.KeptAlive))
	return res, nil
}
