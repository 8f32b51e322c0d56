package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/spf13/cobra"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonError is what --json prints on failure (docs/json.md).
type jsonError struct {
	Error jsonErrorBody `json:"error"`
}

type jsonErrorBody struct {
	Kind     string               `json:"kind"` // an operations.Kind, "usage" or "failure"
	Message  string               `json:"message"`
	Problems []operations.Problem `json:"problems"`
	Stage    string               `json:"stage,omitempty"`
	ClosedAt *time.Time           `json:"closed_at,omitempty"`
}

func errorJSON(err error) jsonError {
	b := jsonErrorBody{Kind: "failure", Message: err.Error(), Problems: []operations.Problem{}}
	var op *operations.Error
	var u usageError
	switch {
	case errors.As(err, &op):
		b.Kind, b.Stage = string(op.Kind), op.Stage
		if op.Problems != nil {
			b.Problems = op.Problems
		}
		if !op.ClosedAt.IsZero() {
			b.ClosedAt = &op.ClosedAt
		}
	case errors.As(err, &u), !started:
		b.Kind = "usage"
	}
	return jsonError{Error: b}
}

// cli is what every command shares: the service (connected in PreRunE),
// who acts, and whether to print JSON.
type cli struct {
	svc    ops
	by     string // who the portal signed in, or SystemActor
	role   string
	asJSON bool
}

// actor is who the operations layer records without the portal (the
// portal records the token's person itself).
func (c *cli) actor() operations.Actor { return operations.Actor{Name: c.by, Role: c.role} }

// show prints r as JSON or through text. An AlreadyDone answer (close a
// closed window) is a success: it is said and nothing else happens.
func show[R any](c *cli, cmd *cobra.Command, r R, err error, text func(io.Writer, R)) error {
	w := cmd.OutOrStdout()
	if operations.KindOf(err) == operations.AlreadyDone {
		if c.asJSON {
			return writeJSON(w, errorJSON(err))
		}
		fmt.Fprintf(w, "%s; nothing to do\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	if c.asJSON {
		return writeJSON(w, r)
	}
	text(w, r)
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(callspec.Brussels).Format("2006-01-02 15:04 MST")
}

func fmtTimep(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtTime(*t)
}

// day parses a date flag.
func day(flag, s string) (time.Time, error) {
	t, err := callspec.ParseTime(s)
	if err != nil {
		return time.Time{}, usageErr(fmt.Sprintf("%s: %v", flag, err))
	}
	return t, nil
}
