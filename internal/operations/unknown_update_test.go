package operations_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// The government entity is updated with update-with-start: a government
// command on a stack whose government workflow does not run yet starts it
// and is applied at once (the old code retried on the words "unknown
// update"). An update name the workflow does not know is refused by the
// SDK (SDK 1.51: "unknown update X. KnownUpdates=[...]") as an
// *temporal.ApplicationError of empty Type: none of ours, so operations
// leaves it a failure, not a refusal of the officer's input.
func TestGovernmentUpdateStartsTheEntity(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	if err := s.tc.TerminateWorkflow(ctx, workflows.GovernmentWorkflowID, "", "test: no government yet"); err != nil {
		t.Fatal(err)
	}
	since := time.Now().AddDate(0, 0, -3)
	r, err := s.env.svc.GovernmentCaretaker(ctx, s.env.by, operations.GovernmentCaretakerInput{Since: since})
	if err != nil || !r.Status.Caretaker {
		t.Fatalf("caretaker on a stack without a running government: %+v %v", r, err)
	}
	h, err := s.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.GovernmentWorkflowID,
		UpdateName: "no-such-update", WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "" {
		t.Fatalf("unknown update: %T %v", err, err)
	}
	t.Logf("unknown update: %T type %q: %v", err, appErr.Type(), err)
}
