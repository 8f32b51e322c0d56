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

// entry is how one row of a data file is recorded.
type entry struct {
	what string
	done func(context.Context) (bool, error)
	do   func(context.Context) error
}

// recordAll records each row of the data file once; noun counts them.
func (r *Replay) recordAll(ctx context.Context, file, noun string, each func(row []string) (entry, error)) error {
	rows, err := readSemicolon(filepath.Join(r.Data, file))
	if err != nil {
		return err
	}
	for _, row := range rows {
		e, err := each(row)
		if err == nil {
			err = r.do(ctx, e.what, e.done, e.do)
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(r.Out, "   %d %s\n", len(rows), noun)
	return nil
}

func (r *Replay) directGrants(ctx context.Context) error {
	return r.recordAll(ctx, "direct-grants-2024.csv", "grants outside calls", func(g []string) (entry, error) {
		return entry{"grant outside calls: " + g[2],
			r.exists(`SELECT count(*) FROM direct_grants WHERE year = 2024 AND operator = $1 AND project = $2`, strings.TrimSpace(g[2]), strings.TrimSpace(g[3])),
			func(ctx context.Context) error { return r.act.directGrant(ctx, 2024, g) }}, nil
	})
}

func (r *Replay) expenses(ctx context.Context) error {
	return r.recordAll(ctx, "expenses-2024.csv", "invoices", func(x []string) (entry, error) {
		return entry{"invoice " + x[0], r.exists(`SELECT count(*) FROM expenses WHERE year = 2024 AND invoice = $1`, strings.TrimSpace(x[0])),
			func(ctx context.Context) error { return r.act.expense(ctx, 2024, x) }}, nil
	})
}

func (r *Replay) budgets(ctx context.Context) error {
	return r.recordAll(ctx, "budgets.csv", "earlier budgets", func(b []string) (entry, error) {
		year, err := strconv.Atoi(b[0])
		if err != nil {
			return entry{}, fmt.Errorf("budgets.csv: year %q: %w", b[0], err)
		}
		return entry{"committed total " + b[0], r.exists(`SELECT count(*) FROM budget_history WHERE year = $1`, year),
			func(ctx context.Context) error { return r.act.budgetHistory(ctx, year, b[1], b[2]) }}, nil
	})
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
