package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/archive"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
)

// ExportHistoriesInput says which closed runs to keep.
type ExportHistoriesInput struct {
	// Types are the workflow types whose histories are kept (calls,
	// grants…; not the housekeeping runs of the schedules).
	Types []string `json:"types"`
	// Overlap: runs are listed from this long before the newest close
	// already kept, for visibility records written late.
	Overlap time.Duration `json:"overlap"`
}

// ExportHistoriesResult counts what one export did.
type ExportHistoriesResult struct {
	Listed   int `json:"listed"`   // closed runs visibility returned
	Exported int `json:"exported"` // histories written
	Kept     int `json:"kept"`     // already in the archive
	Gone     int `json:"gone"`     // deleted by Temporal before they could be read
}

// ExportClosedHistories copies the history of every closed run of
// in.Types that the archive lacks into closed_histories, through
// visibility (CloseTime from the newest kept close, less in.Overlap).
// Runs already kept are skipped, so a retry or an overlap costs a
// lookup, not a second copy. A run Temporal deleted in the meantime
// (its retention passed first) is counted as gone: nothing can be done
// for it, and the README says to keep the retention above the export's
// hour.
func (a *Activities) ExportClosedHistories(ctx context.Context, in ExportHistoriesInput) (ExportHistoriesResult, error) {
	defer keepAlive(ctx)()
	var res ExportHistoriesResult
	if len(in.Types) == 0 {
		return res, nil
	}
	since, err := archive.Newest(ctx, a.DB)
	if err != nil {
		return res, err
	}
	if since.IsZero() {
		since = time.Unix(0, 0)
	}
	types := make([]string, len(in.Types))
	for i, t := range in.Types {
		types[i] = fmt.Sprintf("%q", t)
	}
	query := fmt.Sprintf(`CloseTime >= "%s" AND WorkflowType IN (%s)`,
		since.Add(-in.Overlap).UTC().Format(time.RFC3339Nano), strings.Join(types, ", "))
	var token []byte
	for {
		page, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: activity.GetInfo(ctx).WorkflowNamespace, Query: query, PageSize: 200, NextPageToken: token})
		if err != nil {
			return res, fmt.Errorf("list closed runs (%s): %w", query, err)
		}
		for _, e := range page.GetExecutions() {
			if e.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
				continue
			}
			res.Listed++
			id, run := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			if ok, err := archive.Kept(ctx, a.DB, id, run); err != nil {
				return res, err
			} else if ok {
				res.Kept++
				continue
			}
			h, err := archive.Fetch(ctx, a.Temporal, id, run)
			var gone *serviceerror.NotFound
			if errors.As(err, &gone) {
				res.Gone++
				a.log().Warn("closed run deleted by Temporal before its history was kept", "workflow_id", id, "run_id", run)
				continue
			}
			if err != nil {
				return res, fmt.Errorf("history of %s/%s: %w", id, run, err)
			}
			wrote, err := archive.Put(ctx, a.DB, archive.Run{WorkflowID: id, RunID: run, WorkflowType: e.GetType().GetName(),
				Status: e.GetStatus().String(), StartedAt: e.GetStartTime().AsTime(), ClosedAt: e.GetCloseTime().AsTime(), History: h})
			if err != nil {
				return res, err
			}
			if wrote {
				res.Exported++
			} else {
				res.Kept++
			}
			activity.RecordHeartbeat(ctx, res)
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			return res, nil
		}
	}
}
