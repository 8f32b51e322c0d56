package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/callcycle/callcycle/internal/demo"
	"go.temporal.io/sdk/temporal"
)

// driver is the fault run's demo.Runner: it runs each action of the
// 2024 replay (internal/demo's steps, the same as `starter demo 2024`)
// to completion across faults, retrying what a fault interrupted.
type driver struct {
	log     *eventLog
	retries int
	pace    func(ctx context.Context, k int) // before action k (1-based); nil: none
	actions int
}

// transient says whether an error may go away by itself. An action that
// waits (demo.ErrNotYet) and a refusal of the wrong stage (the state
// moves on by itself: a worker restarted catches up) are retried; other
// refusals and non-retryable activity failures are final; anything else
// (connection refused, unavailable, deadline exceeded, PostgreSQL
// shutting down...) is a fault and retried.
func transient(err error) bool {
	var appErr *temporal.ApplicationError
	switch {
	case errors.Is(err, demo.ErrNotYet), demo.WrongStage(err):
		return true
	case errors.As(err, &appErr) && appErr.NonRetryable():
		return false
	}
	return !demo.Refused(err)
}

// Run drives one action to completion. After Do succeeds only Done is
// polled (no second Do while the workflows catch up). A final error is
// accepted when Done then says the action was done after all (an
// earlier attempt whose answer was lost). Each call of Done or Do gets
// its own context, bounded by attemptLimit, so that a stuck worker fails
// the action instead of hanging the driver.
func (d *driver) Run(ctx context.Context, a demo.Action) error {
	d.actions++
	if d.pace != nil {
		d.pace(ctx, d.actions)
	}
	what := a.What
	began := time.Now()
	deadline := began.Add(stepLimit)
	delay, acted := 500*time.Millisecond, time.Time{}
	noted := began
	defer func() {
		if took := time.Since(began); took > 5*time.Second {
			d.log.add("driver: %s took %s", what, took.Round(100*time.Millisecond))
		}
	}()
	bounded := func(f func(context.Context) error) error {
		actx, cancel := context.WithTimeout(ctx, attemptLimit)
		defer cancel()
		return f(actx)
	}
	isDone := func() (ok bool, err error) {
		if a.Done == nil {
			return !acted.IsZero(), nil
		}
		err = bounded(func(c context.Context) (err error) { ok, err = a.Done(c); return err })
		return ok, err
	}
	for attempt := 1; ; attempt++ {
		ok, err := isDone()
		if err == nil && ok {
			return nil
		}
		if err == nil && time.Since(acted) < 2*time.Minute {
			err = demo.ErrNotYet // acted: wait for the state to show it
		} else if err == nil {
			if err = bounded(a.Do); err == nil {
				acted = time.Now()
				continue
			}
		}
		if !transient(err) {
			if ok, derr := isDone(); derr == nil && ok && a.Done != nil {
				d.log.add("driver: %s: %s; but the state shows it done", what, oneLine(err))
				return nil
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		wait := 250 * time.Millisecond
		if errors.Is(err, demo.ErrNotYet) && time.Since(noted) > 30*time.Second {
			// An action that waits long says on what, so a stuck run is
			// diagnosable from its log.
			noted = time.Now()
			why := oneLine(err)
			if !acted.IsZero() {
				why = "acted " + time.Since(acted).Round(time.Second).String() + " ago; " + why
			}
			d.log.add("driver: %s: still waiting after %s (%s)", what, time.Since(began).Round(time.Second), why)
		}
		if !errors.Is(err, demo.ErrNotYet) {
			d.retries++
			d.log.add("driver: %s: %s; retrying in %s", what, oneLine(err), delay)
			wait, delay = delay, min(delay*2, 8*time.Second)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Bounds of the driver: one call to Temporal or PostgreSQL, one action.
const (
	attemptLimit = 3 * time.Minute
	stepLimit    = 10 * time.Minute
)

func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " | ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// logLines writes the replay's progress lines into the event log.
type logLines struct{ log *eventLog }

func (l logLines) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		l.log.add("driver: %s", strings.TrimSpace(line))
	}
	return len(p), nil
}

// counting runs the actions with inner and counts them (the fault-free
// run, whose count paces the faulty one).
type counting struct {
	inner demo.Runner
	n     atomic.Int64
}

func (c *counting) Run(ctx context.Context, a demo.Action) error {
	c.n.Add(1)
	return c.inner.Run(ctx, a)
}
