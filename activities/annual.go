package activities

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/callcycle/callcycle/internal/annual"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"
)

// Kinds of support, in the report's order.
var supportKinds = annual.KindLabels

// BuildAnnualReportInput names the year.
type BuildAnnualReportInput struct {
	Year int `json:"year"`
}

// BuildAnnualReportResult is the workbook and its headline figures.
type BuildAnnualReportResult struct {
	Path        string        `json:"path"`
	Total       money.Cents   `json:"total"`
	ByKind      []annual.Line `json:"byKind"`
	KindPercent []int         `json:"kindPercent"`
	ByZone      []annual.Line `json:"byZone"`
	ZonePercent []int         `json:"zonePercent"`
}

// BuildAnnualReport reads everything committed in the year from
// PostgreSQL (call decisions by budget year, grants outside calls,
// emergency aid, operating costs) and writes the annual workbook.
func (a *Activities) BuildAnnualReport(ctx context.Context, in BuildAnnualReportInput) (BuildAnnualReportResult, error) {
	d, err := AnnualData(ctx, a.DB, in.Year)
	if err != nil {
		return BuildAnnualReportResult{}, err
	}
	// Data the report cannot state consistently stays so on every retry:
	// fail for good, saying why, rather than retry for ever.
	if err := annual.Validate(d); err != nil {
		return BuildAnnualReportResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("annual report %d: %v", in.Year, err), ErrTypeInvalid, err)
	}
	path := filepath.Join(a.OutputDir, fmt.Sprintf("annual-report-%d.xlsx", in.Year))
	if err := writeAtomically(path, func(f *os.File) error { return annual.Write(f, d) }); err != nil {
		return BuildAnnualReportResult{}, err
	}
	s := annual.Summarise(d)
	return BuildAnnualReportResult{Path: path, Total: s.Total, ByKind: d.ByKind, KindPercent: s.KindPercent,
		ByZone: d.ByZone, ZonePercent: s.ZonePercent}, nil
}

type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// AnnualData assembles the report's figures for a year.
func AnnualData(ctx context.Context, q querier, year int) (annual.Data, error) {
	d := annual.Data{Year: year}
	kinds := map[string]money.Cents{}
	zones := map[string]money.Cents{}
	// Every zone is added up under its kept spelling, so rows recorded
	// before zones were kept, and call regions spelt another way, add up
	// to one line.
	kept, err := LoadZones(ctx, q)
	if err != nil {
		return d, err
	}
	// Call grants, by the budget year their decision was charged to.
	rows, err := q.Query(ctx, `SELECT c.call_id, c.kind, p.name, a.title, a.region, a.granted_cents
		FROM decisions d JOIN calls c USING (call_id) JOIN applications a ON a.call_id = c.call_id AND a.decision = 'granted'
		JOIN applicants p USING (applicant_id) LEFT JOIN ranking r ON r.reference = a.reference
		WHERE d.budget_year = $1 ORDER BY CASE c.kind WHEN 'sud' THEN 0 WHEN 'cms' THEN 1 ELSE 2 END, c.call_id, r.rank NULLS LAST, a.seq`, year)
	if err != nil {
		return d, err
	}
	var tables []annual.Table
	current := ""
	for rows.Next() {
		var callID, kind string
		var r annual.Row
		var cents int64
		if err := rows.Scan(&callID, &kind, &r.Association, &r.Project, &r.Region, &cents); err != nil {
			return d, err
		}
		r.Amount = money.Cents(cents)
		r.Region = kept.Fold(r.Region)
		label, ok := callKinds[kind]
		if !ok {
			return d, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
				"annual report %d: call %s is of kind %q, which the report does not file (want sud, cms or hors-appel)", year, callID, kind), ErrTypeInvalid, nil)
		}
		if callID != current {
			current = callID
			tables = append(tables, callTable(kind, callID, year))
		}
		tables[len(tables)-1].Rows = append(tables[len(tables)-1].Rows, r)
		kinds[label] += r.Amount
		zones[r.Region] += r.Amount
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	// Grants outside calls and emergency aid.
	// A reversed grant nets out with its reversal: it is not listed.
	rows, err = q.Query(ctx, `SELECT g.support, g.programme, g.operator, g.project, g.zone, g.amount_cents + coalesce(r.amount_cents, 0)
		FROM direct_grants g LEFT JOIN budget_reversals r ON r.grant_key = g.grant_key
		WHERE g.year = $1 AND g.amount_cents + coalesce(r.amount_cents, 0) <> 0
		ORDER BY g.support, g.programme DESC, g.decided_on, g.operator, g.grant_key`, year)
	if err != nil {
		return d, err
	}
	outside := map[string]*annual.Table{}
	var order []string
	for rows.Next() {
		var support, programme string
		var r annual.Row
		var cents int64
		if err := rows.Scan(&support, &programme, &r.Association, &r.Project, &r.Region, &cents); err != nil {
			return d, err
		}
		r.Amount = money.Cents(cents)
		r.Region = kept.Fold(r.Region)
		key := support + "/" + programme
		if outside[key] == nil {
			t := outsideTable(support, programme, year)
			outside[key] = &t
			order = append(order, key)
		}
		outside[key].Rows = append(outside[key].Rows, r)
		if support == "urgence" {
			kinds[supportKinds[4]] += r.Amount
		} else {
			kinds[supportKinds[2]] += r.Amount
		}
		zones[r.Region] += r.Amount
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	for _, k := range order {
		tables = append(tables, *outside[k])
	}
	d.Tables = tables
	// Operating costs, by zone.
	// Operating costs, by zone, net of reversals.
	rows, err = q.Query(ctx, `SELECT e.zone, sum(e.amount_cents + coalesce(r.amount_cents, 0)) FROM expenses e
		LEFT JOIN budget_reversals r ON r.year = e.year AND r.invoice = e.invoice AND r.invoice_version = e.version
		WHERE e.year = $1 GROUP BY e.zone`, year)
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var zone string
		var cents int64
		if err := rows.Scan(&zone, &cents); err != nil {
			return d, err
		}
		kinds[supportKinds[3]] += money.Cents(cents)
		zones[kept.Fold(zone)] += money.Cents(cents)
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	var total money.Cents
	for _, k := range supportKinds {
		d.ByKind = append(d.ByKind, annual.Line{Label: k, Amount: kinds[k]})
		total += kinds[k]
	}
	for z, v := range zones {
		if v != 0 { // a zone whose only entries were reversed
			d.ByZone = append(d.ByZone, annual.Line{Label: z, Amount: v})
		}
	}
	sort.Slice(d.ByZone, func(i, j int) bool {
		if d.ByZone[i].Amount != d.ByZone[j].Amount {
			return d.ByZone[i].Amount > d.ByZone[j].Amount
		}
		return d.ByZone[i].Label < d.ByZone[j].Label
	})
	// Earlier years: recorded totals; the year itself: what was just summed.
	// A reversed total nets out with its reversal; the budget workflow
	// keeps at most one unreversed total per year.
	rows, err = q.Query(ctx, `SELECT h.year, h.committed_cents FROM budget_history h
		LEFT JOIN budget_reversals r ON r.year = h.year AND r.history_version = h.version
		WHERE h.year < $1 AND r.reversal_id IS NULL ORDER BY h.year`, year)
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var y annual.YearTotal
		var cents int64
		if err := rows.Scan(&y.Year, &cents); err != nil {
			return d, err
		}
		y.Amount = money.Cents(cents)
		d.History = append(d.History, y)
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	d.History = append(d.History, annual.YearTotal{Year: year, Amount: total})
	return d, nil
}

// callKinds files each kind of call under its kind of support: a call of
// kind hors-appel is money outside calls (issue 11, point 9).
var callKinds = map[string]string{"sud": annual.KindSud, "cms": annual.KindCMS, "hors-appel": annual.KindOutside}

func callTable(kind, callID string, year int) annual.Table {
	if kind == "hors-appel" {
		return annual.Table{Title: fmt.Sprintf("Liste des projets financés hors appel %d (%s)", year, callID), TotalLabel: "TOTAL HORS AP"}
	}
	if kind == "cms" {
		return annual.Table{Title: fmt.Sprintf("Liste des projets financés dans le cadre de l'appel à projets Nord %d", year), TotalLabel: "TOTAL AP NORD"}
	}
	return annual.Table{Title: fmt.Sprintf("Liste des projets financés dans le cadre de l'appel à projets Sud %d", year), TotalLabel: "TOTAL AP SUD"}
}

func outsideTable(support, programme string, year int) annual.Table {
	switch {
	case support == "urgence":
		return annual.Table{Title: fmt.Sprintf("Aide d'urgence %d", year), TotalLabel: "TOTAL AIDE D'URGENCE"}
	case programme == "cms":
		return annual.Table{Title: fmt.Sprintf("Liste des projets financés en-dehors de l'appel à projets Nord %d et contribuant à une citoyenneté mondiale et solidaire en RBC", year), TotalLabel: "TOTAL HORS AP"}
	}
	return annual.Table{Title: fmt.Sprintf("Liste des projets financés en-dehors de l'appel à projets Sud %d et contribuant à une meilleure résilience des partenaires du Sud", year), TotalLabel: "TOTAL HORS AP"}
}
