package scoring

import (
	"slices"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

func TestRankTies(t *testing.T) {
	t.Parallel()
	// One criterion, weight 2, 0–10, so a score is easy to read.
	crit := []callspec.Criterion{{Key: "q", Name: "Quality", Weight: 2, Min: 0, Max: 10}}
	app := func(ref string, euros int64, seq int) Application {
		return Application{Reference: ref, Amount: money.Euros(euros), Seq: seq}
	}
	sc := func(ref, reviewer string, v int) Score {
		return Score{Reference: ref, Reviewer: reviewer, Values: []int{v}}
	}
	conflict := func(ref, reviewer string) Score { return Score{Reference: ref, Reviewer: reviewer, Conflict: true} }
	tests := []struct {
		name   string
		apps   []Application
		scores []Score
		want   []string // references best first
	}{
		{
			name:   "higher score first",
			apps:   []Application{app("A", 10_000, 1), app("B", 10_000, 2)},
			scores: []Score{sc("A", "R1", 6), sc("B", "R1", 7)},
			want:   []string{"B", "A"},
		},
		{
			name:   "equal score: smaller amount first",
			apps:   []Application{app("A", 50_000, 1), app("B", 20_000, 2)},
			scores: []Score{sc("A", "R1", 7), sc("B", "R1", 7)},
			want:   []string{"B", "A"},
		},
		{
			name:   "equal score and amount: earlier submission first",
			apps:   []Application{app("A", 20_000, 9), app("B", 20_000, 3)},
			scores: []Score{sc("A", "R1", 7), sc("B", "R1", 7)},
			want:   []string{"B", "A"},
		},
		{
			name:   "everything equal: the reference decides, whatever the input order",
			apps:   []Application{app("B", 20_000, 1), app("A", 20_000, 1)},
			scores: []Score{sc("B", "R1", 7), sc("A", "R1", 7)},
			want:   []string{"A", "B"},
		},
		{
			name: "a conflict neither helps nor hurts: 7/10 from one reviewer equals 7+7 from two",
			apps: []Application{app("A", 20_000, 1), app("B", 30_000, 2)},
			scores: []Score{
				sc("A", "R1", 7), conflict("A", "R2"),
				sc("B", "R1", 7), sc("B", "R2", 7),
			},
			want: []string{"A", "B"}, // equal ratio, A asks less
		},
		{
			name: "equal ratios tie exactly, then the amount decides",
			apps: []Application{app("A", 10_000, 1), app("B", 90_000, 2)},
			scores: []Score{
				sc("A", "R1", 10), sc("A", "R2", 10), sc("A", "R3", 0), // 40/60
				sc("B", "R1", 7), sc("B", "R2", 6), sc("B", "R3", 7), // 40/60 too
			},
			want: []string{"A", "B"},
		},
		{
			name:   "unscored applications come last",
			apps:   []Application{app("A", 10_000, 1), app("B", 90_000, 2)},
			scores: []Score{conflict("A", "R1"), sc("B", "R1", 0)},
			want:   []string{"B", "A"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ranked, _ := Rank(crit, tt.apps, tt.scores)
			var got []string
			for i, r := range ranked {
				got = append(got, r.Reference)
				if r.Rank != i+1 {
					t.Errorf("%s has rank %d at position %d", r.Reference, r.Rank, i+1)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRankProblems(t *testing.T) {
	t.Parallel()
	apps := sixApps[:3]
	eights := []int{8, 8, 8, 8}
	scores := []Score{
		{Reference: "AP-SUD-2024-001", Reviewer: "AB", Values: eights},
		{Reference: "AP-SUD-2024-001", Reviewer: "CD", Values: eights},
		{Reference: "AP-SUD-2024-001", Reviewer: "CD", Values: []int{1, 1, 1, 1}},
		{Reference: "AP-SUD-2024-002", Reviewer: "AB", Conflict: true},
		{Reference: "AP-SUD-2024-002", Reviewer: "CD", Conflict: true},
		{Reference: "AP-SUD-2024-003", Reviewer: "AB", Values: []int{8, 8, 11, 8}},
		{Reference: "AP-SUD-2024-003", Reviewer: "CD", Values: eights[:3]},
		{Reference: "AP-SUD-2024-003", Reviewer: "EF", Values: []int{10, 10, 10, 10}},
		{Reference: "AP-OTHER", Reviewer: "EF", Values: eights},
	}
	ranked, problems := Rank(sudCriteria, apps, scores)
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		"reviewer CD scored AP-SUD-2024-001 twice; only the first counts",
		`reviewer AB on AP-SUD-2024-003: 11 is outside 0..10 for "impact"`,
		"reviewer CD on AP-SUD-2024-003: 3 scores for 4 criteria",
		"reviewer EF scored AP-OTHER, which is not one of the applications",
		"no reviewer without a conflict of interest scored AP-SUD-2024-002; it cannot be ranked",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if r := ranked[0]; r.Reference != "AP-SUD-2024-003" || r.Total != 1000 || r.Max != 1000 || r.Reviewers != 1 {
		t.Errorf("first = %+v", r)
	}
	if r := ranked[2]; r.Reference != "AP-SUD-2024-002" || r.Reviewers != 0 || r.Percent() != "–" {
		t.Errorf("last = %+v (%s)", r, r.Percent())
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		total, max int64
		want       string
	}{
		{875, 1000, "87,50 %"},
		{1000, 1000, "100,00 %"},
		{0, 1000, "0,00 %"},
		{2, 3, "66,67 %"},
		{1, 3, "33,33 %"},
		{1, 8, "12,50 %"},
		{1, 80000, "0,00 %"}, // 0,00125 % rounds down
		{1, 20000, "0,01 %"}, // 0,005 % rounds half up
		{0, 0, "–"},
	} {
		if got := (Ranked{Total: tt.total, Max: tt.max}).Percent(); got != tt.want {
			t.Errorf("%d/%d = %q, want %q", tt.total, tt.max, got, tt.want)
		}
	}
}
