package workflows

import (
	"fmt"
	"time"

	"github.com/callcycle/callcycle/activities"
	"go.temporal.io/sdk/workflow"
)

// Closed-history export names. The schedule starts
// ExportHistoriesWorkflow every ExportHistoriesEvery; the namespace
// retention must be longer than that (the README's cluster settings), or
// a run may be deleted before it is copied.
const (
	ExportHistoriesWorkflowName = "ExportHistories"
	ExportHistoriesScheduleID   = "export-histories"
	// ExportHistoriesScheduledID prefixes the id of every scheduled run.
	ExportHistoriesScheduledID = "export-histories-scheduled"
	ExportHistoriesEvery       = time.Hour
	// exportOverlap covers visibility records written after the close
	// they carry (seconds on a healthy server).
	exportOverlap = time.Hour
)

// KeptHistoryTypes are the workflow types whose closed histories are kept
// past retention: the audit trail. The schedules' own runs (purge,
// export) are housekeeping and are not.
var KeptHistoryTypes = []string{CallWorkflowName, GrantWorkflowName, GovernmentWorkflowName, BudgetWorkflowName, AnnualReportWorkflowName}

// ExportHistoriesInput is empty: what to keep is KeptHistoryTypes.
type ExportHistoriesInput struct{}

// ExportHistoriesResult counts what the export did.
type ExportHistoriesResult = activities.ExportHistoriesResult

// exportOptions: the activity heartbeats after each history, so a
// worker that dies mid-export is noticed within a minute and the retry
// skips what was kept.
var exportOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Hour,
	HeartbeatTimeout:    time.Minute,
	RetryPolicy:         dbOptions.RetryPolicy,
}

// ExportHistoriesWorkflow copies closed runs' histories into PostgreSQL.
func ExportHistoriesWorkflow(ctx workflow.Context, _ ExportHistoriesInput) (ExportHistoriesResult, error) {
	var res ExportHistoriesResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, exportOptions), act.ExportClosedHistories,
		activities.ExportHistoriesInput{Types: KeptHistoryTypes, Overlap: exportOverlap}).Get(ctx, &res)
	if err != nil {
		return res, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**History export**: %d closed runs listed, %d histories kept now, %d kept before, %d deleted by Temporal first",
		res.Listed, res.Exported, res.Kept, res.Gone))
	return res, nil
}
