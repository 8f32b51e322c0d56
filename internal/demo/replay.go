// Package demo replays the 2024 activity report through the real
// workflows, as an ordered list of named steps. Every step reads what is
// already there before it acts, so a replay that stopped (an error,
// Ctrl-C, kill -9, a fault of the fault run) is resumed by running it
// again from the step where it stopped, or from any earlier one.
//
// The replay talks to the officer actions through one file (officer.go);
// everything else reads the workflows' state (queries) or the database.
package demo

import (
	"context"
	"errors"
	"fmt"
	"github.com/callcycle/callcycle/internal/operations"
	"io"
	"strings"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// Step is one named step of the replay.
type Step struct {
	Name  string // what `--from` takes
	Title string // what it does, as printed
	run   func(r *Replay, ctx context.Context) error
}

// Action is one thing a step does. Do is safe to call again: Done (when
// set) says whether it is done already, and Do refuses nothing that a
// first call already did.
type Action struct {
	Step string // the step's name
	What string // e.g. "GR-AP-SUD-2024-0001: sign"
	// Done reads the state; nil when Do itself is safe to repeat and its
	// success is all there is to know.
	Done func(context.Context) (bool, error)
	// Do acts. ErrNotYet: what it needs is not there yet (the workflows
	// are still at it); call again soon.
	Do func(context.Context) error
}

// ErrNotYet says an action waits for the workflows: try it again soon.
var ErrNotYet = errors.New("not yet")

// Runner runs the actions of the replay. The demo's runner is Patient;
// the fault run has its own that retries an action across faults.
type Runner interface {
	Run(ctx context.Context, a Action) error
}

// Patient skips an action that is done, does it once otherwise, and waits
// up to Wait for what the action waits on and for the state to show it
// done. The default outlasts a mail claim's lease: a replay resumed after
// its process was killed finds the mails that process was sending held
// until their claim expires, and a grant's next step waits behind them.
// A refusal for the wrong stage is waited out too: a resumed replay can
// find a workflow still applying what the stopped run sent (a scores
// import whose worker died with the run), which the new run's worker
// finishes; past Wait it is the answer. So is a service that did not
// answer (kind unavailable), for an action that can tell it is done: it is
// tried again once Done says it did not land.
type Patient struct{ Wait time.Duration }

// DefaultPatience is Patient's wait when Wait is zero.
const DefaultPatience = activities.DefaultClaimLease + time.Minute

func (p Patient) Run(ctx context.Context, a Action) error {
	wait := p.Wait
	if wait == 0 {
		wait = DefaultPatience
	}
	deadline := time.Now().Add(wait)
	acted := false
	var refused error    // the last wrong-stage refusal
	var unanswered error // the last unavailable answer
	for {
		if a.Done != nil {
			if ok, err := a.Done(ctx); err != nil || ok {
				return wrap(a, err)
			}
		}
		if !acted {
			err := a.Do(ctx)
			switch {
			case err == nil && a.Done == nil:
				return nil
			case err == nil:
				acted = true // now wait for the state to show it
			case WrongStage(err):
				refused = err
			case a.Done != nil && operations.KindOf(err) == operations.Unavailable:
				// A service that did not answer in time (the server
				// timing out an update under load, a restart): the next
				// round asks Done first, so an action that did land is not
				// sent twice. Found by TestReplayResumes failing once on
				// a loaded machine ("sign: context deadline exceeded").
				unanswered = err
			case !errors.Is(err, ErrNotYet):
				return wrap(a, err)
			}
		}
		if time.Now().After(deadline) {
			if refused != nil {
				return fmt.Errorf("%s: still refused after %s: %w", a.What, wait, refused)
			}
			if unanswered != nil {
				return fmt.Errorf("%s: no answer within %s: %w", a.What, wait, unanswered)
			}
			what := "what it waits for did not come"
			if acted {
				what = "done, but the workflows did not show it"
			}
			return fmt.Errorf("%s: %s within %s", a.What, what, wait)
		}
		if err := pause(ctx, 200*time.Millisecond); err != nil {
			return wrap(a, err)
		}
	}
}

func wrap(a Action, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", a.What, err)
}

func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// Replay is one replay of the 2024 report on a stack (made by New).
type Replay struct {
	Data   string    // the 2024 data: examples/2024
	Work   string    // scratch files (call files, scoring workbooks)
	Out    io.Writer // one line a step and a summary
	Runner Runner    // nil: Patient{}
	// BeforeStep, when set, is called before each step; an error stops
	// the replay there (a test stops it halfway this way).
	BeforeStep func(ctx context.Context, s Step) error

	act    actions // the officer actions (officer.go)
	db     *pgxpool.Pool
	tc     client.Client
	step   string // the step running
	report string // where the annual report goes
	result workflows.AnnualReportResult
}

// StoppedError says at which step a replay stopped, so that it can be
// resumed from there.
type StoppedError struct {
	Step string
	Err  error
}

func (e *StoppedError) Error() string { return fmt.Sprintf("step %s: %v", e.Step, e.Err) }
func (e *StoppedError) Unwrap() error { return e.Err }

// Run runs the steps from the one named from ("": the first) to the
// annual report, written to out.
func (r *Replay) Run(ctx context.Context, from, out string) (workflows.AnnualReportResult, error) {
	steps, err := StepsFrom(from)
	if err != nil {
		return r.result, err
	}
	if r.Runner == nil {
		r.Runner = Patient{}
	}
	all := Steps()
	for _, s := range steps {
		fmt.Fprintf(r.Out, "== [%d/%d] %s: %s\n", index(all, s.Name)+1, len(all), s.Name, s.Title)
		if r.BeforeStep != nil {
			if err := r.BeforeStep(ctx, s); err != nil {
				return r.result, &StoppedError{Step: s.Name, Err: err}
			}
		}
		r.step, r.report = s.Name, out
		if err := s.run(r, ctx); err != nil {
			return r.result, &StoppedError{Step: s.Name, Err: err}
		}
	}
	return r.result, nil
}

// annualReport writes the 2024 annual report: the replay's result.
func (r *Replay) annualReport(ctx context.Context) error {
	return r.do(ctx, "annual report 2024", nil, func(ctx context.Context) (err error) {
		r.result, err = r.act.annualReport(ctx, 2024, r.report)
		return err
	})
}

// do runs one action of the current step through the runner.
func (r *Replay) do(ctx context.Context, what string, done func(context.Context) (bool, error), act func(context.Context) error) error {
	return r.Runner.Run(ctx, Action{Step: r.step, What: what, Done: done, Do: act})
}

func index(steps []Step, name string) int {
	for i, s := range steps {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// StepsFrom is the steps from the one named from ("": all of them).
func StepsFrom(from string) ([]Step, error) {
	all := Steps()
	if from == "" {
		return all, nil
	}
	i := index(all, from)
	if i < 0 {
		names := make([]string, len(all))
		for j, s := range all {
			names[j] = s.Name
		}
		return nil, usage("--from: no step %q; the steps are %s (starter demo 2024 --list)", from, strings.Join(names, ", "))
	}
	return all[i:], nil
}

// Steps is the replay, in order.
func Steps() []Step {
	var s []Step
	for _, c := range calls {
		s = append(s, c.steps()...)
	}
	return append(s,
		Step{"caretaker", "June 2024 elections: the government in caretaker mode since 2024-06-10", (*Replay).caretaker},
		Step{"grants", "each grant signed, first tranche paid (in caretaker mode), project ended, final report approved, last tranche paid", (*Replay).grants},
		Step{"calls-completed", "both calls completed once their grants closed", (*Replay).callsCompleted},
		Step{"direct-grants", "the grants decided outside calls", (*Replay).directGrants},
		Step{"expenses", "the operating costs", (*Replay).expenses},
		Step{"budgets", "the committed totals of 2022 and 2023", (*Replay).budgets},
		Step{"annual-report", "the 2024 annual report", (*Replay).annualReport},
	)
}
