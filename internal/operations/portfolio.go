package operations

import (
	"cmp"
	"context"
	"slices"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
)

// PortfolioInput asks for the managers' overview.
type PortfolioInput struct{}

// Count is how many things are in one state.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// Amounts are the money committed and paid under one key (a year, a
// kind, a zone).
type Amounts struct {
	Key       string `json:"key"`
	Committed Money  `json:"committed"`
	Paid      Money  `json:"paid"`
}

// PortfolioCall is one call, for the links to its workflow.
type PortfolioCall struct {
	CallID     string `json:"call_id"`
	Title      string `json:"title"`
	Kind       string `json:"kind"`
	Year       int    `json:"year"`
	State      string `json:"state"`
	WorkflowID string `json:"workflow_id"`
}

// PortfolioResult is the portfolio: calls and grants by state, money
// committed (decisions and direct grants, reversals deducted) and paid
// (confirmed tranches) by budget year, kind and zone.
type PortfolioResult struct {
	CallsByState  []Count         `json:"calls_by_state"`
	GrantsByState []Count         `json:"grants_by_state"`
	ByYear        []Amounts       `json:"by_year"`
	ByKind        []Amounts       `json:"by_kind"`
	ByZone        []Amounts       `json:"by_zone"`
	Committed     Money           `json:"committed"`
	Paid          Money           `json:"paid"`
	Calls         []PortfolioCall `json:"calls"`
}

// PortfolioSQL are the portfolio's queries, in the order Portfolio runs
// them: the benchmark runs them alone to compare the page with its SQL.
var PortfolioSQL = []string{
	// calls: a running call is open until its deadline, then in selection
	`SELECT c.call_id, c.title, c.kind, c.year,
		CASE WHEN c.status IN ('running', 'carried-over') AND (c.config->>'deadline')::timestamptz > now() THEN 'open'
		     WHEN c.status IN ('running', 'carried-over') THEN 'selection' ELSE c.status END
		FROM calls c ORDER BY c.launched_at DESC, c.call_id`,
	`SELECT status, count(*) FROM grants GROUP BY status ORDER BY status`,
	// money: budget year, kind, zone, committed, paid (a payment counts
	// in the budget year of the decision it pays)
	`SELECT d.budget_year::text, c.kind, a.region, sum(a.granted_cents), 0::bigint
		FROM decisions d JOIN calls c USING (call_id) JOIN applications a ON a.call_id = c.call_id AND a.decision = 'granted'
		GROUP BY 1, 2, 3
	UNION ALL
	SELECT g.year::text, g.support, g.zone, sum(g.amount_cents + coalesce(r.amount_cents, 0)), 0
		FROM direct_grants g LEFT JOIN budget_reversals r ON r.grant_key = g.grant_key
		GROUP BY 1, 2, 3
	UNION ALL
	SELECT d.budget_year::text, c.kind, a.region, 0, sum(l.amount_cents)
		FROM ledger l JOIN grants g USING (grant_id) JOIN calls c ON c.call_id = g.call_id JOIN applications a ON a.reference = g.reference
		JOIN decisions d ON d.call_id = g.call_id
		WHERE l.kind = 'payment' AND l.paid_on IS NOT NULL
		GROUP BY 1, 2, 3`,
}

// Portfolio reads the portfolio from PostgreSQL in one snapshot.
func (s *Service) Portfolio(ctx context.Context, _ Actor, _ PortfolioInput) (PortfolioResult, error) {
	var out PortfolioResult
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, PortfolioSQL[0])
		if err != nil {
			return err
		}
		calls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PortfolioCall, error) {
			var c PortfolioCall
			err := r.Scan(&c.CallID, &c.Title, &c.Kind, &c.Year, &c.State)
			c.WorkflowID = workflows.CallWorkflowID(c.CallID)
			return c, err
		})
		if err != nil {
			return err
		}
		out.Calls = calls
		states := map[string]int{}
		for _, c := range calls {
			states[c.State]++
		}
		out.CallsByState = counts(states)
		rows, err = tx.Query(ctx, PortfolioSQL[1])
		if err != nil {
			return err
		}
		out.GrantsByState, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Count])
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, PortfolioSQL[2])
		if err != nil {
			return err
		}
		sums := [3]map[string]*[2]int64{{}, {}, {}} // year, kind, zone → committed, paid
		var year, kind, zone string
		var c, p int64
		_, err = pgx.ForEachRow(rows, []any{&year, &kind, &zone, &c, &p}, func() error {
			for i, key := range []string{year, kind, zone} {
				if sums[i][key] == nil {
					sums[i][key] = &[2]int64{}
				}
				sums[i][key][0] += c
				sums[i][key][1] += p
			}
			out.Committed.Cents += c
			out.Paid.Cents += p
			return nil
		})
		if err != nil {
			return err
		}
		out.ByYear, out.ByKind, out.ByZone = amounts(sums[0]), amounts(sums[1]), amounts(sums[2])
		out.Committed, out.Paid = M(money.Cents(out.Committed.Cents)), M(money.Cents(out.Paid.Cents))
		return nil
	})
	return out, err
}

// counts are n by key, sorted by key.
func counts(n map[string]int) []Count {
	out := []Count{}
	for k, v := range n {
		out = append(out, Count{Key: k, N: v})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// amounts are the sums by key, sorted by key.
func amounts(sums map[string]*[2]int64) []Amounts {
	out := []Amounts{}
	for k, v := range sums {
		out = append(out, Amounts{Key: k, Committed: M(money.Cents(v[0])), Paid: M(money.Cents(v[1]))})
	}
	slices.SortFunc(out, func(a, b Amounts) int { return cmp.Compare(a.Key, b.Key) })
	return out
}
