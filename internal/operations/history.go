package operations

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/archive"
	"github.com/google/uuid"
	historypb "go.temporal.io/api/history/v1"
)

// HistoryInput names a workflow: a call (AP-SUD-2030), a grant
// (GRANT-AP-SUD-2030-0002) or any workflow id; RunID "" is its latest run.
type HistoryInput struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
}

// History sources.
const (
	FromTemporal = "temporal" // Temporal still has the run
	FromArchive  = "archive"  // past retention: the copy in PostgreSQL
)

// HistoryResult is one run's history, from wherever it still is.
type HistoryResult struct {
	WorkflowID   string         `json:"workflow_id"`
	RunID        string         `json:"run_id"`
	WorkflowType string         `json:"workflow_type"`
	Source       string         `json:"source"` // FromTemporal or FromArchive
	ExportedAt   *time.Time     `json:"exported_at,omitempty"`
	KeptRuns     []string       `json:"kept_runs,omitempty"` // archive: every kept run of the workflow, oldest first
	Events       []HistoryEvent `json:"events"`
}

// HistoryEvent is one event: what happened, when, and its name where it
// has one (an activity, update, signal or marker).
type HistoryEvent struct {
	ID   int64     `json:"id"`
	Time time.Time `json:"time"`
	Type string    `json:"type"` // "ActivityTaskScheduled"…
	Name string    `json:"name,omitempty"`
}

// History is a workflow run's history: from Temporal while it keeps the
// run, then from the archive (closed_histories), which the hourly export
// fills before the namespace retention deletes it.
func (s *Service) History(ctx context.Context, _ Actor, in HistoryInput) (HistoryResult, error) {
	in.WorkflowID, in.RunID = strings.TrimSpace(in.WorkflowID), strings.TrimSpace(in.RunID)
	if in.WorkflowID == "" {
		return HistoryResult{}, refused("workflow_id", "required: a call, grant or workflow id")
	}
	if _, err := uuid.Parse(in.RunID); in.RunID != "" && err != nil {
		return HistoryResult{}, refused("run_id", "%q is not a run id (a UUID such as 0190c2f4-…)", in.RunID)
	}
	res := HistoryResult{WorkflowID: in.WorkflowID}
	d, err := s.Temporal.DescribeWorkflowExecution(ctx, in.WorkflowID, in.RunID)
	if err == nil {
		run := d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		h, err := archive.Fetch(ctx, s.Temporal, in.WorkflowID, run)
		if err == nil {
			res.RunID, res.WorkflowType, res.Source = run, d.GetWorkflowExecutionInfo().GetType().GetName(), FromTemporal
			res.Events = events(h)
			return res, nil
		}
		if !isNotFound(err) { // deleted between the two calls: read the archive
			return res, classify(in.WorkflowID, err)
		}
	} else if !isNotFound(err) {
		return res, classify(in.WorkflowID, err)
	}
	r, runs, err := archive.Get(ctx, s.DB, in.WorkflowID, in.RunID)
	if errors.Is(err, archive.ErrNotKept) {
		if in.RunID != "" {
			return res, notFound("%s: no run %s in Temporal or in the archive", in.WorkflowID, in.RunID)
		}
		return res, notFound("%s: no such workflow in Temporal or in the archive", in.WorkflowID)
	}
	if err != nil {
		return res, classify(in.WorkflowID, err)
	}
	res.RunID, res.WorkflowType, res.Source, res.KeptRuns = r.RunID, r.WorkflowType, FromArchive, runs
	res.ExportedAt = &r.ExportedAt
	res.Events = events(r.History)
	return res, nil
}

func events(h *historypb.History) []HistoryEvent {
	out := make([]HistoryEvent, 0, len(h.GetEvents()))
	for _, e := range h.GetEvents() {
		out = append(out, HistoryEvent{ID: e.GetEventId(), Time: e.GetEventTime().AsTime(), Type: e.GetEventType().String(), Name: eventName(e)})
	}
	return out
}

func eventName(e *historypb.HistoryEvent) string {
	switch {
	case e.GetWorkflowExecutionStartedEventAttributes() != nil:
		return e.GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()
	case e.GetActivityTaskScheduledEventAttributes() != nil:
		return e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
	case e.GetMarkerRecordedEventAttributes() != nil:
		return e.GetMarkerRecordedEventAttributes().GetMarkerName()
	case e.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil:
		return e.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetName()
	case e.GetWorkflowExecutionSignaledEventAttributes() != nil:
		return e.GetWorkflowExecutionSignaledEventAttributes().GetSignalName()
	case e.GetStartChildWorkflowExecutionInitiatedEventAttributes() != nil:
		return e.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowType().GetName()
	case e.GetTimerStartedEventAttributes() != nil:
		return e.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration().String()
	}
	return ""
}
