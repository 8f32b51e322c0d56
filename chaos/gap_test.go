package main

import "testing"

// Pacing: the faults due grow with the replay's actions and are all due
// before its last one, however fast the replay runs.
func TestPacingSpreadsThePlanOverTheActions(t *testing.T) {
	const planned, n = 15, 120
	last := 0
	for k := 1; k <= n; k++ {
		d := due(k, n, planned)
		if d < last || d > planned {
			t.Fatalf("due(%d) = %d after %d", k, d, last)
		}
		last = d
	}
	if due(1, n, planned) != 0 || due(n, n, planned) != planned || due(n/2, n, planned) < planned/2-1 {
		t.Fatalf("due: first %d, middle %d, last %d", due(1, n, planned), due(n/2, n, planned), due(n, n, planned))
	}
	if due(5, 0, planned) != planned || due(200, n, planned) != planned {
		t.Fatal("an unknown or exceeded action count must ask for the whole plan")
	}
}
