// Command starter is the officer CLI: it launches calls, submits and
// imports applications, moves deadlines and shows where a call stands.
// It parses flags into the operations package's Inputs, calls it, and
// prints the Result for people or, with --json, as JSON.
// Exit codes: 0 done, 1 failure (service down...), 2 input refused.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Brussels time must not depend on the host's zoneinfo

	"github.com/callcycle/callcycle/internal/operations"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	root := newRoot(os.LookupEnv)
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		if asJSON, _ := root.PersistentFlags().GetBool("json"); asJSON {
			_ = writeJSON(os.Stdout, errorJSON(err))
		} else {
			fmt.Fprintln(os.Stderr, "starter:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for refused input (including the command line itself:
// an unknown command or flag, a missing argument; and what names a call
// or grant that does not exist, has ended or is not at the right step)
// and 1 for a failure of something else (a service down, a file that
// cannot be written).
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || !started {
		return 2
	}
	switch operations.KindOf(err) {
	case operations.Refused, operations.NotFound, operations.Ended, operations.WrongStage, operations.Forbidden, operations.Unauthenticated:
		return 2
	}
	return 1
}

// usageError is the command line refused by starter itself (a flag
// that does not parse, flags that exclude each other).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usageErr(msg string) error { return usageError{msg: msg} }
