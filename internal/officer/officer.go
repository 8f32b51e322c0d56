// Package officer is what the officer CLI (starter) does, one function per
// command, so end-to-end tests drive exactly the code officers run.
package officer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// Env is what every command needs.
type Env struct {
	Temporal client.Client
	DB       *pgxpool.Pool
	Out      io.Writer // results for the officer
	Progress io.Writer // progress bars; nil for none
	By       string    // the officer, recorded with every change
}

// ErrUsage marks input errors (exit code 2 in the CLI).
var ErrUsage = errors.New("invalid input")

// ErrAlreadyDone: what was asked to end had already ended. The commands
// that end things (close, screen end) report it and succeed.
var ErrAlreadyDone = errors.New("nothing to do")

// alreadyDone turns ErrAlreadyDone into a line of output and success.
func (e Env) alreadyDone(err error) error {
	var appErr *temporal.ApplicationError
	if errors.Is(err, ErrAlreadyDone) && errors.As(err, &appErr) {
		fmt.Fprintf(e.Out, "%s; nothing to do\n", appErr.Message())
		return nil
	}
	return err
}

func usage(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}

// update sends a named update to a call and waits for its result. A
// validator's refusal comes back as an error carrying its reason.
func (e Env) update(ctx context.Context, callID, name string, arg, result any) error {
	for attempt := 0; ; attempt++ {
		h, err := e.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.CallWorkflowID(callID), UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, result)
		}
		// A call that just reached the approval step is told the
		// government's status within moments: wait for it rather than
		// make the officer retry.
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && (appErr.Type() == workflows.ErrTypeGovernmentPending || appErr.Type() == workflows.ErrTypeHandover) && attempt < 40 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		if err := e.ended(ctx, "call", callID, workflows.CallWorkflowID(callID), err); err != nil {
			return err
		}
		return e.explain(callID, err)
	}
}

// ended answers an update refused with NotFound for a workflow that
// exists but has closed (a call completed or cancelled, a grant closed):
// the server says "workflow execution already completed", which is not
// "no such call". It returns nil when that is not the case.
func (e Env) ended(ctx context.Context, kind, id, workflowID string, err error) error {
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		return nil
	}
	d, derr := e.Temporal.DescribeWorkflowExecution(ctx, workflowID, "")
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
	when := ""
	if t := d.WorkflowExecutionInfo.GetCloseTime(); t != nil {
		when = " on " + fmtTime(t.AsTime())
	}
	return usage("%s %s has ended%s: its final stage is %q; nothing can change it any more", kind, id, when, stage)
}

// explain turns Temporal errors into sentences an officer can act on.
func (e Env) explain(callID string, err error) error {
	if err == nil {
		return nil
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return usage("no call %q: launch it first with `starter launch <call.yaml>`", callID)
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case workflows.ErrTypeRejected, workflows.ErrTypeWrongStage:
			return refusal{msg: fmt.Sprintf("%s: %s: %s", ErrUsage, callID, appErr.Message()), cause: appErr}
		case workflows.ErrTypeAlreadyDone:
			return fmt.Errorf("%w: %w", ErrAlreadyDone, appErr)
		}
	}
	return err
}

// refusal is a validator's answer: an ErrUsage that keeps the Temporal
// error (and its details) in the chain.
type refusal struct {
	msg   string
	cause error
}

func (r refusal) Error() string   { return r.msg }
func (r refusal) Unwrap() []error { return []error{ErrUsage, r.cause} }
