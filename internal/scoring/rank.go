package scoring

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/callcycle/callcycle/internal/callspec"
)

// Ranked is an application with its committee score and place.
type Ranked struct {
	Application
	Total, Max int64 // Σ over counted reviewers of Σ_c weight×value, and the same with every value at its maximum
	Reviewers  int   // reviewers counted: those who scored without a conflict of interest
	Rank       int   // 1-based, distinct for every application
}

// Percent is the score as a share of the best possible one, two decimals,
// Belgian style ("87,50 %"), rounded half up in integers. An application
// nobody could score has no percentage ("–").
func (r Ranked) Percent() string {
	if r.Max <= 0 || r.Total < 0 {
		return "–"
	}
	h := (r.Total*20000 + r.Max) / (2 * r.Max) // hundredths of a percent, half up
	return fmt.Sprintf("%d,%02d %%", h/100, h%100)
}

// Rank totals the scores and orders the applications by the package rule.
// Scores that cannot count (unknown application, a reviewer scoring the same
// application twice, values out of range) are reported and left out, so
// Rank can be trusted with scores from anywhere, not only from Read.
// Totals fit int64 by far: callspec caps weights at 100, maxima at 1,000
// and reviewers at 20, so a cross product stays below 10^18 up to 150
// criteria.
func Rank(criteria []callspec.Criterion, apps []Application, scores []Score) ([]Ranked, []Problem) {
	out := make([]Ranked, len(apps))
	index := make(map[string]int, len(apps))
	for i, a := range apps {
		out[i].Application = a
		index[a.Reference] = i
	}
	var best int64 // one reviewer's maximum
	for _, c := range criteria {
		best += int64(c.Weight) * int64(c.Max)
	}
	var problems []Problem
	bad := func(format string, args ...any) {
		problems = append(problems, Problem{Message: fmt.Sprintf(format, args...)})
	}
	type pair struct{ ref, reviewer string }
	counted := map[pair]bool{}
	for _, s := range scores {
		i, ok := index[s.Reference]
		switch {
		case !ok:
			bad("reviewer %s scored %s, which is not one of the applications", s.Reviewer, s.Reference)
			continue
		case counted[pair{s.Reference, s.Reviewer}]:
			bad("reviewer %s scored %s twice; only the first counts", s.Reviewer, s.Reference)
			continue
		}
		counted[pair{s.Reference, s.Reviewer}] = true
		if s.Conflict {
			continue
		}
		total, err := weighted(criteria, s.Values)
		if err != nil {
			bad("reviewer %s on %s: %v", s.Reviewer, s.Reference, err)
			continue
		}
		out[i].Total += total
		out[i].Max += best
		out[i].Reviewers++
	}
	for _, r := range out {
		if r.Reviewers == 0 {
			bad("no reviewer without a conflict of interest scored %s; it cannot be ranked", r.Reference)
		}
	}
	slices.SortFunc(out, compare)
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, problems
}

// weighted is Σ_c weight_c × value_c for one reviewer.
func weighted(criteria []callspec.Criterion, values []int) (int64, error) {
	if len(values) != len(criteria) {
		return 0, fmt.Errorf("%d scores for %d criteria", len(values), len(criteria))
	}
	var t int64
	for i, c := range criteria {
		if v := values[i]; v < c.Min || v > c.Max {
			return 0, fmt.Errorf("%d is outside %d..%d for %q", v, c.Min, c.Max, c.Key)
		}
		t += int64(c.Weight) * int64(values[i])
	}
	return t, nil
}

// compare orders two applications best first (see the package comment).
func compare(a, b Ranked) int {
	// Unscored applications have no ratio: they go last, among themselves
	// by the remaining tie rules.
	if sa, sb := a.Max > 0, b.Max > 0; sa != sb {
		if sa {
			return -1
		}
		return 1
	}
	if a.Max > 0 {
		// a.Total/a.Max > b.Total/b.Max  ⇔  a.Total×b.Max > b.Total×a.Max
		if c := cmp.Compare(b.Total*a.Max, a.Total*b.Max); c != 0 {
			return c
		}
	}
	return cmp.Or(
		cmp.Compare(a.Amount, b.Amount),
		cmp.Compare(a.Seq, b.Seq),
		cmp.Compare(a.Reference, b.Reference),
	)
}
