// Package annual writes the annual report workbook of the development
// cooperation: the projects funded in a year, call by call, the money by
// kind of support and by zone with their percentages, and the committed
// budget year by year, with the report's charts.
package annual

import (
	"errors"
	"fmt"
	"slices"

	"github.com/callcycle/callcycle/internal/money"
)

// Data is everything the annual report shows for one year; amounts in cents.
type Data struct {
	Year    int         `json:"year"`
	Tables  []Table     `json:"tables"`  // funded projects, in this order: each call of the year, then each "outside calls" table
	ByKind  []Line      `json:"byKind"`  // fixed order: KindLabels (zeros kept)
	ByZone  []Line      `json:"byZone"`  // zones, in the order given
	History []YearTotal `json:"history"` // committed budget year by year, ascending, including Year
}

// Table is one list of funded projects, as the report prints it.
type Table struct {
	Title      string `json:"title"`      // e.g. "Liste des projets financés dans le cadre de l'appel à projets Sud 2024"
	TotalLabel string `json:"totalLabel"` // e.g. "TOTAL AP SUD", "TOTAL AP NORD", "TOTAL HORS AP"
	Rows       []Row  `json:"rows"`
}

// Row is one funded project.
type Row struct {
	Association string      `json:"association"`
	Project     string      `json:"project"`
	Region      string      `json:"region"`
	Amount      money.Cents `json:"amount"`
}

// Line is one slice of a breakdown (a kind of support, a zone).
type Line struct {
	Label  string      `json:"label"`
	Amount money.Cents `json:"amount"`
}

// YearTotal is the budget committed in one year.
type YearTotal struct {
	Year   int         `json:"year"`
	Amount money.Cents `json:"amount"`
}

// Kinds of financial support, in the order of Data.ByKind.
const (
	KindSud       = "Appel à projets Sud"
	KindCMS       = "Appel à projets CMS"
	KindOutside   = "Hors appels"
	KindOperating = "Frais de fonctionnement"
	KindEmergency = "Aide d'urgence"
)

// KindLabels is the fixed order of Data.ByKind; a kind with no money is
// kept with a zero amount, as the report shows "Aide d'urgence 0 %".
var KindLabels = []string{KindSud, KindCMS, KindOutside, KindOperating, KindEmergency}

// Summary is what the workbook states, for callers and tests.
type Summary struct {
	Total       money.Cents `json:"total"`       // the committed total: the sum of ByKind
	KindPercent []int       `json:"kindPercent"` // per ByKind line, largest remainder, adding up to 100 (or all 0)
	ZonePercent []int       `json:"zonePercent"` // per ByZone line, likewise
}

// Summarise computes the totals and percentages the workbook shows:
// per-kind and per-zone whole percentages by the largest-remainder method
// (so 2024 gives 71/23/4/2/0 and 1/14/48/9/28, as the report) and the
// grand total. It panics on a negative breakdown amount, which Write
// refuses with an error.
func Summarise(d Data) Summary {
	return Summary{
		Total:       sum(d.ByKind),
		KindPercent: money.Percentages(amounts(d.ByKind)),
		ZonePercent: money.Percentages(amounts(d.ByZone)),
	}
}

func amounts(lines []Line) []money.Cents {
	out := make([]money.Cents, len(lines))
	for i, l := range lines {
		out[i] = l.Amount
	}
	return out
}

func sum(lines []Line) money.Cents {
	var t money.Cents
	for _, l := range lines {
		t += l.Amount
	}
	return t
}

// Validate is the check Write makes, for callers that must tell data the
// report cannot state (which no retry mends) from a failure to write.
func Validate(d Data) error { return check(d) }

// check refuses data the report could not state consistently: the two
// breakdowns share out the same committed total, which is also the year's
// entry in the history.
func check(d Data) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, t := range d.Tables {
		if t.Title == "" {
			bad("table %d: no title", i+1)
		}
		if t.TotalLabel == "" {
			bad("table %d (%s): no total label", i+1, t.Title)
		}
		for j, r := range t.Rows {
			if r.Amount < 0 {
				bad("table %d (%s), row %d (%s): negative amount %s", i+1, t.Title, j+1, r.Association, r.Amount)
			}
		}
	}
	labels := make([]string, len(d.ByKind))
	for i, l := range d.ByKind {
		labels[i] = l.Label
	}
	if !slices.Equal(labels, KindLabels) {
		bad("by kind: labels %q, want %q in this order", labels, KindLabels)
	}
	for _, b := range []struct {
		name  string
		lines []Line
	}{{"by kind", d.ByKind}, {"by zone", d.ByZone}} {
		name := b.name
		for _, l := range b.lines {
			if l.Amount < 0 {
				bad("%s: %s: negative amount %s", name, l.Label, l.Amount)
			}
			if l.Label == "" {
				bad("%s: a line has no label", name)
			}
		}
	}
	total := sum(d.ByKind)
	if z := sum(d.ByZone); len(d.ByZone) > 0 && z != total {
		bad("by zone: total %s, but by kind it is %s", z, total)
	}
	found := false
	for i, h := range d.History {
		if i > 0 && h.Year <= d.History[i-1].Year {
			bad("history: %d after %d, want ascending years", h.Year, d.History[i-1].Year)
		}
		if h.Amount < 0 {
			bad("history: %d: negative amount %s", h.Year, h.Amount)
		}
		if h.Year == d.Year {
			found = true
			if h.Amount != total {
				bad("history: %d: %s, but the year's breakdown adds up to %s", h.Year, h.Amount, total)
			}
		}
	}
	if !found {
		bad("history: no entry for %d", d.Year)
	}
	return errors.Join(errs...)
}
