package operations

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// Kind is what went wrong, for a front end to choose its answer (exit
// code, HTTP status). The values are stable: they appear in JSON.
type Kind string

const (
	// Refused: the input breaks a rule; Problems say which field and why.
	Refused Kind = "refused"
	// NotFound: no such call, grant or application.
	NotFound Kind = "not_found"
	// Ended: the call or grant has closed; Stage and ClosedAt say how.
	Ended Kind = "ended"
	// WrongStage: the call or grant is not at the step this needs.
	WrongStage Kind = "wrong_stage"
	// Busy: the workflow is handing over (continue-as-new) or waiting for
	// the government's answer, still after the retries; try again.
	Busy Kind = "busy"
	// Unavailable: Temporal or PostgreSQL could not be reached.
	Unavailable Kind = "unavailable"
	// AlreadyDone: what was asked to end had already ended (close a closed
	// window, end an ended screening). Not a mistake: the CLI succeeds.
	AlreadyDone Kind = "already_done"
	// Tampered: the audit log's chain is broken (a row edited or removed
	// behind the application's back).
	Tampered Kind = "tampered"
	// Forbidden and Unauthenticated are the portal's answers, before any
	// operation runs: the person's roles do not grant the route's right,
	// or the token or session is not valid. A client of the API (starter)
	// gets them as it gets the others.
	Forbidden       Kind = "forbidden"
	Unauthenticated Kind = "unauthenticated"
)

// Problem is one thing wrong with an Input. Field is the Input's JSON
// field name ("" when the problem is with the whole input).
type Problem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is every error an operation returns on purpose. Other errors
// (a file that cannot be read, an unexpected failure) come back as they
// are: a front end treats them as a failure of the service.
type Error struct {
	Kind     Kind
	Message  string
	Problems []Problem
	Stage    string    // Ended: the final stage; WrongStage: the current one, when known
	ClosedAt time.Time // Ended: when it closed
	Err      error     // the cause, when there is one
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// KindOf is err's Kind, or "" when it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// refused is a refusal of the named fields ("" for the input as a whole).
func refused(field, format string, args ...any) *Error {
	reason := fmt.Sprintf(format, args...)
	msg := reason
	if field != "" {
		msg = field + ": " + reason
	}
	return &Error{Kind: Refused, Message: msg, Problems: []Problem{{Field: field, Reason: reason}}}
}

// refusedAll lists several problems at once; message opens the text.
func refusedAll(message string, problems []Problem) *Error {
	msg := message
	for _, p := range problems {
		if p.Field != "" {
			msg += "\n  " + p.Field + ": " + p.Reason
		} else {
			msg += "\n  " + p.Reason
		}
	}
	return &Error{Kind: Refused, Message: msg, Problems: problems}
}

func notFound(format string, args ...any) *Error {
	return &Error{Kind: NotFound, Message: fmt.Sprintf(format, args...)}
}

// classify turns the SDK's and the database driver's errors into an
// *Error, by their types and never by their text. subject ("AP-SUD-2030",
// a grant id) opens the message of a workflow's refusal. NotFound is left
// to the caller, who knows what was not found.
func classify(subject string, err error) error {
	if err == nil {
		return nil
	}
	var own *Error
	if errors.As(err, &own) {
		return err
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg := appErr.Message()
		// Most workflow answers name their call or grant already.
		if subject != "" && !strings.HasPrefix(msg, subject) {
			msg = subject + ": " + msg
		}
		switch appErr.Type() {
		case workflows.ErrTypeRejected:
			return &Error{Kind: Refused, Message: msg, Problems: problemsOf(appErr), Err: err}
		case workflows.ErrTypeWrongStage:
			return &Error{Kind: WrongStage, Message: msg, Err: err}
		case workflows.ErrTypeAlreadyDone:
			return &Error{Kind: AlreadyDone, Message: msg, Err: err}
		case workflows.ErrTypeGovernmentPending, workflows.ErrTypeHandover, workflows.ErrTypeStarting:
			return &Error{Kind: Busy, Message: msg, Err: err}
		}
	}
	if unavailable(err) {
		return &Error{Kind: Unavailable, Message: "service unavailable: " + err.Error(), Err: err}
	}
	return err
}

// problemsOf reads a validator's details: field problems, or the rows of
// a refused batch; else the message as a problem of the whole input.
func problemsOf(appErr *temporal.ApplicationError) []Problem {
	var rej workflows.Rejection
	if appErr.HasDetails() && appErr.Details(&rej) == nil && len(rej.Fields) > 0 {
		out := make([]Problem, len(rej.Fields))
		for i, f := range rej.Fields {
			out[i] = Problem{Field: f.Field, Reason: f.Reason}
		}
		return out
	}
	return []Problem{{Reason: appErr.Message()}}
}

// unavailable: the server or the database did not answer.
func unavailable(err error) bool {
	var (
		unav *serviceerror.Unavailable
		dl   *serviceerror.DeadlineExceeded
		conn *pgconn.ConnectError
		nerr net.Error
	)
	return errors.As(err, &unav) || errors.As(err, &dl) || errors.As(err, &conn) ||
		errors.As(err, &nerr) || errors.Is(err, context.DeadlineExceeded)
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
