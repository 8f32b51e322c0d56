package operations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// busyRetries bounds the waits on a call that is handing over or that
// has just reached the approval step (about 10 s in all).
const busyRetries = 40

// callUpdate sends a named update to a call and waits for its result.
func (s *Service) callUpdate(ctx context.Context, callID, name string, arg, result any) error {
	for attempt := 0; ; attempt++ {
		err := s.send(ctx, workflows.CallWorkflowID(callID), name, arg, result)
		// A call that just reached the approval step is told the
		// government's status within moments, and one continuing as new
		// takes a moment: wait rather than make the officer retry.
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && (appErr.Type() == workflows.ErrTypeGovernmentPending || appErr.Type() == workflows.ErrTypeHandover) && attempt < busyRetries {
			if err := pause(ctx); err != nil {
				return err
			}
			continue
		}
		return s.callError(ctx, callID, err)
	}
}

// callError classifies an error about a call: ended, not found, or what
// the workflow answered.
func (s *Service) callError(ctx context.Context, callID string, err error) error {
	if ended := s.ended(ctx, "call", callID, workflows.CallWorkflowID(callID), err); ended != nil {
		return ended
	}
	if isNotFound(err) {
		return &Error{Kind: NotFound, Message: fmt.Sprintf("no call %q: launch it first with `starter launch <call.yaml>`", callID), Err: err}
	}
	return classify(callID, err)
}

func (s *Service) send(ctx context.Context, workflowID, name string, arg, result any) error {
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	return err
}

func pause(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(250 * time.Millisecond):
		return nil
	}
}

// ended answers an update refused with NotFound for a workflow that
// exists but has closed (a call completed or cancelled, a grant closed):
// the server says "workflow execution already completed", which is not
// "no such call". It returns nil when that is not the case.
func (s *Service) ended(ctx context.Context, kind, id, workflowID string, err error) *Error {
	if !isNotFound(err) {
		return nil
	}
	d, derr := s.Temporal.DescribeWorkflowExecution(ctx, workflowID, "")
	if derr != nil || d.WorkflowExecutionInfo.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil
	}
	stage := "unknown"
	for _, key := range []string{workflows.SACallStage.GetName(), workflows.SAGrantStage.GetName()} {
		if p := d.WorkflowExecutionInfo.GetSearchAttributes().GetIndexedFields()[key]; p != nil {
			var v string
			if converter.GetDefaultDataConverter().FromPayload(p, &v) == nil && v != "" {
				stage = v
			}
		}
	}
	e := &Error{Kind: Ended, Stage: stage, Err: err}
	when := ""
	if t := d.WorkflowExecutionInfo.GetCloseTime(); t != nil {
		e.ClosedAt = t.AsTime()
		when = " on " + e.ClosedAt.In(callspec.Brussels).Format("2006-01-02 15:04 MST")
	}
	e.Message = fmt.Sprintf("%s %s has ended%s: its final stage is %q; nothing can change it any more", kind, id, when, stage)
	return e
}

// callStatus queries a call.
func (s *Service) callStatus(ctx context.Context, callID string) (workflows.StatusResult, error) {
	var st workflows.StatusResult
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.CallWorkflowID(callID), "", workflows.QueryStatus, workflows.StatusQuery{})
	if err != nil {
		return st, s.callError(ctx, callID, err)
	}
	return st, v.Get(&st)
}

// requireStage fails with WrongStage unless the call is at one of stages.
func (s *Service) requireStage(ctx context.Context, callID string, stages ...string) (workflows.StatusResult, error) {
	st, err := s.callStatus(ctx, callID)
	if err != nil {
		return st, err
	}
	for _, want := range stages {
		if st.Stage == want {
			return st, nil
		}
	}
	return st, &Error{Kind: WrongStage, Stage: st.Stage,
		Message: fmt.Sprintf("%s is at stage %q; this needs stage %s", callID, st.Stage, joinOr(stages))}
}

func joinOr(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " or "
		}
		out += v
	}
	return out
}

// callExists gives a clear error for an unknown call before anything is
// staged.
func (s *Service) callExists(ctx context.Context, callID string) error {
	_, err := s.Temporal.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID(callID), "")
	if isNotFound(err) {
		return s.callError(ctx, callID, err)
	}
	return classify(callID, err)
}
