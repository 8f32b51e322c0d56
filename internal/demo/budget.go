package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The budget entity refuses a second copy of each entry; the database
// says which are recorded, so each is recorded once however often the
// step runs.

func (r *Replay) directGrants(ctx context.Context) error {
	rows, err := readSemicolon(filepath.Join(r.Data, "direct-grants-2024.csv"))
	if err != nil {
		return err
	}
	for _, g := range rows {
		if err := r.do(ctx, "grant outside calls: "+g[2], r.exists(`SELECT count(*) FROM direct_grants WHERE year = 2024 AND operator = $1 AND project = $2`,
			strings.TrimSpace(g[2]), strings.TrimSpace(g[3])), func(ctx context.Context) error { return r.act.directGrant(ctx, 2024, g) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.Out, "   %d grants outside calls\n", len(rows))
	return nil
}

func (r *Replay) expenses(ctx context.Context) error {
	rows, err := readSemicolon(filepath.Join(r.Data, "expenses-2024.csv"))
	if err != nil {
		return err
	}
	for _, x := range rows {
		if err := r.do(ctx, "invoice "+x[0], r.exists(`SELECT count(*) FROM expenses WHERE year = 2024 AND invoice = $1`, strings.TrimSpace(x[0])),
			func(ctx context.Context) error { return r.act.expense(ctx, 2024, x) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.Out, "   %d invoices\n", len(rows))
	return nil
}

func (r *Replay) budgets(ctx context.Context) error {
	rows, err := readSemicolon(filepath.Join(r.Data, "budgets.csv"))
	if err != nil {
		return err
	}
	for _, b := range rows {
		year, err := strconv.Atoi(b[0])
		if err != nil {
			return fmt.Errorf("budgets.csv: year %q: %w", b[0], err)
		}
		if err := r.do(ctx, "committed total "+b[0], r.exists(`SELECT count(*) FROM budget_history WHERE year = $1`, year),
			func(ctx context.Context) error { return r.act.budgetHistory(ctx, year, b[1], b[2]) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.Out, "   %d earlier budgets\n", len(rows))
	return nil
}

// exists is a Done that says whether the query counts a row.
func (r *Replay) exists(sql string, args ...any) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		var n int
		err := r.db.QueryRow(ctx, sql, args...).Scan(&n)
		return n > 0, err
	}
}

// readSemicolon reads a data file of the report (semicolons, a header).
func readSemicolon(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return recs[1:], nil
}
