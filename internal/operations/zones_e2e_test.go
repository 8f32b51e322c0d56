package operations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
)

// TestZonesReversalsAndOutsideCalls (issue 11, points 8 and 9): an
// expense for "Territoire Palestinien Occupé" lands on the kept spelling;
// an unknown zone is refused and changes nothing; a reversed expense and a
// reversed direct grant net out in the annual report, both entries kept
// and attributed, and a second reversal is refused; the grants of a
// hors-appel call count under outside calls and the report completes.
func TestZonesReversalsAndOutsideCalls(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	e := s.env
	s.toProposal(t, "HA-2030", "kind: cms", "kind: hors-appel")
	if _, err := e.Decide(ctx, "HA-2030", decideOpts{Decree: "AGRBC 2030/7", All: true}); err != nil {
		t.Fatal(err)
	}
	var year int
	waitUntil(t, 30*time.Second, func() bool {
		return s.db.QueryRow(ctx, `SELECT budget_year FROM decisions WHERE call_id = 'HA-2030'`).Scan(&year) == nil
	})
	on := fmt.Sprintf("%d-02-02", year)
	expense := func(invoice, zone, amount string) error {
		return e.Expense(ctx, expenseOpts{Year: year, Invoice: invoice, Supplier: "Fournisseur", Description: "Mission",
			Zone: zone, Amount: amount, Date: on})
	}
	direct := func(operator, zone, amount string) error {
		return e.DirectGrant(ctx, directOpts{Year: year, Support: "hors-appel", Programme: "sud", Operator: operator,
			Project: "Projet", Zone: zone, Amount: amount, DecidedOn: on})
	}
	for _, err := range []error{
		expense("F-1", "Territoire Palestinien Occupé", "1.000 €"),
		expense("F-2", "  région de  bruxelles-capitale ", "500 €"),
		direct("GC Pianofabriek", "MAROC (HORS RRSK)", "6.200 €"),
		direct("Opérateur B", "ville-province de kinshasa", "2.000 €"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	refused := []struct {
		name string
		run  func() error
		want string
	}{
		{"expense: unknown zone", func() error { return expense("F-3", "Territoire palestinien", "10 €") },
			`zone: unknown zone "Territoire palestinien" (known zones: `},
		{"direct grant: unknown zone", func() error { return direct("Opérateur C", "Gaza", "10 €") }, `unknown zone "Gaza"`},
		{"expense reverse: not recorded", func() error { return e.ReverseExpense(ctx, year, "F-9", "x") }, "no invoice F-9"},
		{"expense reverse: no reason", func() error { return e.ReverseExpense(ctx, year, "F-2", " ") }, "reason: required"},
		{"direct grant reverse: not recorded", func() error { return e.ReverseDirectGrant(ctx, year, "Nobody", "Projet", "x") }, "no grant Nobody"},
	}
	check := func() {
		t.Helper()
		for _, c := range refused {
			before := s.settled(t)
			err := c.run()
			wantUsage(t, c.name, err, c.want)
			if strings.Contains(c.want, "unknown zone") {
				wantField(t, c.name, err, "zone")
			}
			if strings.Contains(c.want, "known zones") && !strings.Contains(err.Error(), `"Territoire palestinien occupé"`) {
				t.Errorf("%s: the known zones are not listed: %v", c.name, err)
			}
			if after := s.settled(t); after != before {
				t.Errorf("%s changed state:\nbefore %s\nafter  %s", c.name, before, after)
			}
		}
	}
	check()

	if err := e.ReverseExpense(ctx, year, "f-2", "facture annulée par le fournisseur"); err != nil {
		t.Fatal(err)
	}
	if err := e.ReverseDirectGrant(ctx, year, "opérateur b", "PROJET", "décision retirée"); err != nil {
		t.Fatal(err)
	}
	refused = append(refused[:0],
		struct {
			name string
			run  func() error
			want string
		}{"expense reversed twice", func() error { return e.ReverseExpense(ctx, year, "F-2", "again") }, "already reversed"},
		struct {
			name string
			run  func() error
			want string
		}{"direct grant reversed twice", func() error { return e.ReverseDirectGrant(ctx, year, "Opérateur B", "Projet", "again") }, "already reversed"})
	check()

	// A past year's committed total, wrong, reversed and recorded again.
	if err := e.BudgetHistory(ctx, 2023, "1.385.000 €", "rapport 2023"); err != nil {
		t.Fatal(err)
	}
	if err := e.ReverseBudgetHistory(ctx, 2023, "mal recopié"); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, "history reversed twice", e.ReverseBudgetHistory(ctx, 2023, "again"), "already reversed")
	if err := e.BudgetHistory(ctx, 2023, "1.385.783 €", "rapport 2023"); err != nil {
		t.Fatal(err)
	}

	res, err := e.AnnualReport(ctx, year, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Total != operations.M(money.Euros(37000)) {
		t.Errorf("total %s, want 37.000 € (29.800 € of the hors-appel call, 6.200 € direct, 1.000 € of costs)", res.Total.Text)
	}
	for _, l := range res.ByKind {
		want := map[string]money.Cents{"Hors appels": money.Euros(36000), "Frais de fonctionnement": money.Euros(1000)}[l.Label]
		if l.Amount != operations.M(want) {
			t.Errorf("%s: %s (%d %%), want %s", l.Label, l.Amount.Text, l.Percent, want)
		}
	}
	var zones []string
	for _, l := range res.ByZone {
		zones = append(zones, fmt.Sprintf("%s=%s", l.Label, l.Amount.Text))
	}
	if got, want := strings.Join(zones, "; "), "Région de Bruxelles-Capitale=29.800 €; Maroc (hors RRSK)=6.200 €; Territoire palestinien occupé=1.000 €"; got != want {
		t.Errorf("zones %s, want %s", got, want)
	}
	if d, err := activities.AnnualData(ctx, s.db, year); err != nil || len(d.History) != 2 || d.History[0].Year != 2023 || d.History[0].Amount != money.Euros(1385783) {
		t.Errorf("history %+v %v, want 2023 at 1.385.783 € (the reversed total netted out), then %d", d.History, err, year)
	}
	// Both entries of each correction are kept, each with who and when.
	rows, err := s.db.Query(ctx, `SELECT 'expense ' || invoice || ' ' || amount_cents || ' ' || zone || ' ' || recorded_by FROM expenses
		UNION ALL SELECT 'grant ' || operator || ' ' || amount_cents || ' ' || zone || ' ' || recorded_by FROM direct_grants
		UNION ALL SELECT 'history ' || year || ' v' || version || ' ' || committed_cents || ' ' || recorded_by FROM budget_history WHERE recorded_at IS NOT NULL
		UNION ALL SELECT 'reversal ' || coalesce(invoice, CASE WHEN grant_key IS NULL THEN 'history' ELSE 'grant' END) || ' ' || amount_cents || ' ' || reason || ' ' || recorded_by
			FROM budget_reversals WHERE recorded_at IS NOT NULL ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"expense F-1 100000 Territoire palestinien occupé e2e-officer",
		"expense F-2 50000 Région de Bruxelles-Capitale e2e-officer",
		"grant GC Pianofabriek 620000 Maroc (hors RRSK) e2e-officer",
		"grant Opérateur B 200000 Ville-Province de Kinshasa e2e-officer",
		"history 2023 v1 138500000 e2e-officer",
		"history 2023 v2 138578300 e2e-officer",
		"reversal F-2 -50000 facture annulée par le fournisseur e2e-officer",
		"reversal grant -200000 décision retirée e2e-officer",
		"reversal history -138500000 mal recopié e2e-officer",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Kept for replay: the first history with zones read and reversals.
	testenv.SaveHistory(t, s.tc, workflows.BudgetWorkflowID(year), "budget-zones-reversals")
	testenv.SaveHistory(t, s.tc, workflows.BudgetWorkflowID(2023), "budget-history-reversal")
}
