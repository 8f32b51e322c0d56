package main

import (
	"testing"
	"time"
)

// The plan (its gaps and the faults' own time) fits in the fault-free
// replay's time whenever that is longer than the faults alone take; a
// shorter replay gets the shortest gaps (the faults then stretch it, as the
// faulty runs of seeds 70-72 did: 45-62 s for a 31-34 s replay).
func TestFaultPlanFitsTheReplay(t *testing.T) {
	for _, replay := range []time.Duration{20 * time.Second, 34 * time.Second, 60 * time.Second, 150 * time.Second, time.Hour} {
		gap := faultGap(replay, 12)
		if gap < 500*time.Millisecond || gap > 10*time.Second {
			t.Errorf("replay %s: gap %s outside 500 ms–10 s", replay, gap)
		}
		plan := 15*gap + faultTime(12)
		if gap > 500*time.Millisecond && gap < 10*time.Second && plan > replay {
			t.Errorf("replay %s: gap %s makes a plan of %s", replay, gap, plan)
		}
		if gap == 500*time.Millisecond && replay > faultTime(12)+15*500*time.Millisecond {
			t.Errorf("replay %s: gap at its floor although the replay leaves room", replay)
		}
	}
}
