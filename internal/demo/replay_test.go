package demo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
)

// Every step has a name of its own (what --from takes) and something to
// run; --from starts at the step named and refuses a name it lacks.
func TestStepsFrom(t *testing.T) {
	t.Parallel()
	all := Steps()
	seen := map[string]bool{}
	for _, s := range all {
		if s.Name == "" || s.run == nil || seen[s.Name] {
			t.Errorf("step %+v: empty, without a run, or named twice", s.Name)
		}
		seen[s.Name] = true
	}
	if all[0].Name != "sud-launch" || all[len(all)-1].Name != "annual-report" {
		t.Errorf("the replay runs from %s to %s", all[0].Name, all[len(all)-1].Name)
	}
	from, err := StepsFrom("grants")
	if err != nil || from[0].Name != "grants" || len(from) != len(all)-index(all, "grants") {
		t.Errorf("--from grants: %d steps from %v, %v", len(from), from, err)
	}
	if _, err := StepsFrom("grant"); operations.KindOf(err) != operations.Refused {
		t.Errorf("--from grant: want a refusal, got %v", err)
	}
}

// Patient skips what is done, waits out ErrNotYet, waits for the state to
// show what it did, and stops at a real error.
func TestPatient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := Patient{Wait: 2 * time.Second}
	acts := 0
	if err := p.Run(ctx, Action{What: "done", Done: func(context.Context) (bool, error) { return true, nil },
		Do: func(context.Context) error { acts++; return nil }}); err != nil || acts != 0 {
		t.Errorf("an action done already: acted %d times, %v", acts, err)
	}
	// Not yet twice, then done; the state shows it on the third read.
	reads := 0
	err := p.Run(ctx, Action{What: "later", Done: func(context.Context) (bool, error) { reads++; return acts > 0 && reads > 4, nil },
		Do: func(context.Context) error {
			if reads < 3 {
				return ErrNotYet
			}
			acts++
			return nil
		}})
	if err != nil || acts != 1 {
		t.Errorf("an action that waits: acted %d times, %v", acts, err)
	}
	boom := errors.New("boom")
	if err := p.Run(ctx, Action{What: "broken", Do: func(context.Context) error { return boom }}); !errors.Is(err, boom) {
		t.Errorf("a failing action: %v", err)
	}
	// A wrong-stage refusal is waited out (the workflow was still applying
	// what a stopped run sent), and is the answer once the wait is over.
	wrong := &operations.Error{Kind: operations.WrongStage, Message: "AP-X: another scores import is being applied"}
	tries := 0
	if err := p.Run(ctx, Action{What: "busy", Do: func(context.Context) error {
		if tries++; tries < 3 {
			return wrong
		}
		return nil
	}}); err != nil || tries != 3 {
		t.Errorf("an action refused for the wrong stage twice: tried %d times, %v", tries, err)
	}
	p.Wait = 300 * time.Millisecond
	if err := p.Run(ctx, Action{What: "never", Do: func(context.Context) error { return ErrNotYet }}); err == nil {
		t.Error("an action whose wait never ends succeeded")
	}
	if err := p.Run(ctx, Action{What: "stuck", Do: func(context.Context) error { return wrong }}); !WrongStage(err) || !Refused(err) {
		t.Errorf("an action refused for the wrong stage for good: want the refusal, got %v", err)
	}
}

// A service that did not answer is tried again for an action that can
// tell it landed (Done first, so a landed one is not sent twice), and is
// the answer at once for one that cannot.
func TestPatientRetriesUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := Patient{Wait: 2 * time.Second}
	timeout := &operations.Error{Kind: operations.Unavailable, Message: "service unavailable: context deadline exceeded"}
	landed, sends := false, 0
	err := p.Run(ctx, Action{What: "sign", Done: func(context.Context) (bool, error) { return landed, nil },
		Do: func(context.Context) error {
			sends++
			if sends == 1 {
				landed = true // the server applied it, but the answer timed out
				return timeout
			}
			return nil
		}})
	if err != nil || sends != 1 {
		t.Errorf("an update that landed though its answer timed out: sent %d times, %v", sends, err)
	}
	sends = 0
	if err := p.Run(ctx, Action{What: "no done", Do: func(context.Context) error { sends++; return timeout }}); operations.KindOf(err) != operations.Unavailable || sends != 1 {
		t.Errorf("an action without Done: sent %d times, %v", sends, err)
	}
}
