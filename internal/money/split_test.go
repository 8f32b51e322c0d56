package money

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		total   Cents
		weights []int
		want    []Cents
	}{
		{"tranches 80/20 of 124.986 €", 12498600, []int{80, 20}, []Cents{9998880, 2499720}},
		{"one cent over three", 1, []int{1, 1, 1}, []Cents{1, 0, 0}},
		{"two cents over three", 2, []int{1, 1, 1}, []Cents{1, 1, 0}},
		{"100 over three", 100, []int{1, 1, 1}, []Cents{34, 33, 33}},
		{"largest remainder wins, not the first", 100, []int{1, 2, 3}, []Cents{17, 33, 50}},
		{"odd cents 80/20", 12345, []int{80, 20}, []Cents{9876, 2469}},
		{"three tranches", 100001, []int{50, 30, 20}, []Cents{50001, 30000, 20000}},
		{"zero total", 0, []int{80, 20}, []Cents{0, 0}},
		{"zero weight gets nothing", 101, []int{0, 1, 0, 1}, []Cents{0, 51, 0, 50}},
		{"single tranche of 100", Euros(125000), []int{100}, []Cents{Euros(125000)}},
		{"negative total", -100, []int{1, 1, 1}, []Cents{-34, -33, -33}},
		{"huge total does not overflow", Cents(1 << 62), []int{3, 1}, []Cents{3 << 60, 1 << 60}},
	} {
		got := Split(tc.total, tc.weights)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Split(%d, %v) = %v, want %v", tc.name, tc.total, tc.weights, got, tc.want)
		}
		if s := sum(got); s != tc.total {
			t.Errorf("%s: parts add up to %d, want %d", tc.name, s, tc.total)
		}
	}
}

func TestSplitAlwaysAddsUp(t *testing.T) {
	t.Parallel()
	weightSets := [][]int{{80, 20}, {1, 1, 1}, {50, 30, 20}, {33, 33, 34}, {0, 7, 0, 3}, {1, 2, 3, 4, 5, 6, 7}, {99, 1}, {100}}
	check := func(tot Cents) {
		for _, w := range weightSets {
			parts := Split(tot, w)
			if len(parts) != len(w) || sum(parts) != tot {
				t.Fatalf("Split(%d, %v) = %v adds up to %d", tot, w, parts, sum(parts))
			}
			var wsum int64
			for _, x := range w {
				wsum += int64(x)
			}
			for i, p := range parts {
				// Each part is its exact share rounded down or up.
				floor := int64(tot) * int64(w[i]) / wsum
				if int64(p) != floor && int64(p) != floor+1 || w[i] == 0 && p != 0 {
					t.Fatalf("Split(%d, %v)[%d] = %d, exact share floor %d", tot, w, i, p, floor)
				}
			}
		}
	}
	// Every small total, then a deterministic walk over totals of every
	// size, cents included.
	for total := Cents(0); total < 10_000; total++ {
		check(total)
	}
	for total := Cents(10_000); total < 5_000_000_000_000; total = total*7/3 + 13 {
		check(total)
		check(total + 1)
		check(total + 99)
	}
}

func TestSplitPanicsOnBadWeights(t *testing.T) {
	t.Parallel()
	for _, w := range [][]int{nil, {0, 0}, {80, -20}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Split(100, %v) did not panic", w)
				}
			}()
			Split(100, w)
		}()
	}
}

func TestPercentages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		parts []Cents
		want  []int
	}{
		// The 2024 annual report, 881.242 € in all.
		{"2024 by kind of support (Sud, CMS, outside calls, operating, emergency)",
			[]Cents{Euros(625346), Euros(200000), Euros(32700), Euros(23196), 0}, []int{71, 23, 4, 2, 0}},
		{"2024 by zone", []Cents{Euros(6200), Euros(126238), Euros(424946), Euros(80786), Euros(243072)}, []int{1, 14, 48, 9, 28}},
		{"ties go to the earlier part", []Cents{1, 1, 1}, []int{34, 33, 33}},
		{"largest remainders first", []Cents{2, 1, 1, 2}, []int{33, 17, 17, 33}},
		{"seven equal parts: the first two get the leftover", []Cents{5, 5, 5, 5, 5, 5, 5}, []int{15, 15, 14, 14, 14, 14, 14}},
		{"all zeros", []Cents{0, 0, 0}, []int{0, 0, 0}},
		{"empty", nil, []int{}},
		{"single", []Cents{Euros(5)}, []int{100}},
		{"cents", []Cents{620050, 1}, []int{100, 0}},
	} {
		got := Percentages(tc.parts)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Percentages(%v) = %v, want %v", tc.name, tc.parts, got, tc.want)
		}
		total := 0
		for _, p := range got {
			total += p
		}
		if total != 100 && slices.ContainsFunc(tc.parts, func(c Cents) bool { return c != 0 }) {
			t.Errorf("%s: percentages add up to %d", tc.name, total)
		}
	}
}

func TestPercentagesAlwaysAddUpTo100(t *testing.T) {
	t.Parallel()
	for n := Cents(1); n < 2_000_000; n = n*5/3 + 7 {
		parts := []Cents{n, n / 3, n/7 + 1, 0, n % 97, Euros(int64(n) % 1000)}
		total := 0
		for _, p := range Percentages(parts) {
			total += p
		}
		if total != 100 {
			t.Fatalf("Percentages(%v) add up to %d", parts, total)
		}
	}
}

func sum(parts []Cents) Cents {
	var s Cents
	for _, p := range parts {
		s += p
	}
	return s
}
