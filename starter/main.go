// Command starter is the officer CLI: it launches calls, submits and
// imports applications, moves deadlines and shows where a call stands.
// Exit codes: 0 done, 1 failure (service down...), 2 input refused.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"syscall"
	_ "time/tzdata" // Brussels time must not depend on the host's zoneinfo

	"github.com/callcycle/callcycle/internal/officer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := newRoot(os.LookupEnv, defaultOfficer()).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for refused input (including the command line itself:
// an unknown command or flag, a missing argument) and 1 for a failure of
// something else (a service down, a file that cannot be written).
func exitCode(err error) int {
	if errors.Is(err, officer.ErrUsage) || !started {
		return 2
	}
	return 1
}

// defaultOfficer is who changes are recorded as when --as is not given.
func defaultOfficer() string {
	if v, ok := os.LookupEnv("CALLCYCLE_OFFICER"); ok && v != "" {
		return v
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func usageErr(msg string) error { return fmt.Errorf("%w: %s", officer.ErrUsage, msg) }
