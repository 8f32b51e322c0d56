package operations

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// Errors are classified by the SDK's types and the workflows' error
// types, never by their text.
func TestClassify(t *testing.T) {
	t.Parallel()
	rejected := temporal.NewApplicationError("on: the signature date is required", workflows.ErrTypeRejected,
		workflows.Rejection{Fields: []workflows.FieldProblem{{Field: "on", Reason: "the signature date is required"}}})
	for _, c := range []struct {
		name string
		err  error
		kind Kind
		msg  string
	}{
		{"refused", rejected, Refused, "GRANT-X: on: the signature date is required"},
		{"wrapped refusal", fmt.Errorf("update: %w", rejected), Refused, "GRANT-X: on: the signature date is required"},
		{"wrong stage, named already", temporal.NewApplicationError("GRANT-X is at stage \"closed\"", workflows.ErrTypeWrongStage), WrongStage, "GRANT-X is at stage \"closed\""},
		{"already done", temporal.NewApplicationError("GRANT-X: already", workflows.ErrTypeAlreadyDone), AlreadyDone, "GRANT-X: already"},
		{"handover", temporal.NewApplicationError("handing over", workflows.ErrTypeHandover), Busy, "GRANT-X: handing over"},
		{"government pending", temporal.NewApplicationError("pending", workflows.ErrTypeGovernmentPending), Busy, "GRANT-X: pending"},
		{"server unavailable", serviceerror.NewUnavailable("connection refused"), Unavailable, ""},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), Unavailable, ""},
		{"network", &net.OpError{Op: "dial", Err: errors.New("refused")}, Unavailable, ""},
		{"unknown update (SDK, no type)", temporal.NewApplicationError("unknown update x", ""), "", ""},
		{"anything else", errors.New("disk full"), "", ""},
	} {
		err := classify("GRANT-X", c.err)
		if got := KindOf(err); got != c.kind {
			t.Errorf("%s: kind %q, want %q (%v)", c.name, got, c.kind, err)
		}
		if c.msg != "" && err.Error() != c.msg {
			t.Errorf("%s: message %q, want %q", c.name, err.Error(), c.msg)
		}
		if !errors.Is(err, c.err) && c.kind != "" {
			t.Errorf("%s: the cause is not kept in the chain", c.name)
		}
	}
	var e *Error
	if !errors.As(classify("GRANT-X", rejected), &e) || len(e.Problems) != 1 || e.Problems[0] != (Problem{Field: "on", Reason: "the signature date is required"}) {
		t.Errorf("the validator's fields are not the problems: %+v", e)
	}
	if classify("", nil) != nil {
		t.Error("nil is not an error")
	}
}
