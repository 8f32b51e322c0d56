package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
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
	const file = "direct-grants-2024.csv"
	return r.recordAll(ctx, file, "grants outside calls", func(g []string) (entry, error) {
		in, err := directGrantRow(file, g)
		return entry{"grant outside calls: " + in.Operator,
			r.exists(`SELECT count(*) FROM direct_grants WHERE year = 2024 AND operator = $1 AND project = $2`, in.Operator, in.Project),
			func(ctx context.Context) error { return r.act.directGrant(ctx, in) }}, err
	})
}

func (r *Replay) expenses(ctx context.Context) error {
	const file = "expenses-2024.csv"
	return r.recordAll(ctx, file, "invoices", func(x []string) (entry, error) {
		in, err := expenseRow(file, x)
		return entry{"invoice " + in.Invoice, r.exists(`SELECT count(*) FROM expenses WHERE year = 2024 AND invoice = $1`, in.Invoice),
			func(ctx context.Context) error { return r.act.expense(ctx, in) }}, err
	})
}

func (r *Replay) budgets(ctx context.Context) error {
	const file = "budgets.csv"
	return r.recordAll(ctx, file, "earlier budgets", func(b []string) (entry, error) {
		in, err := budgetRow(file, b)
		return entry{"committed total " + b[0], r.exists(`SELECT count(*) FROM budget_history WHERE year = $1`, in.Year),
			func(ctx context.Context) error { return r.act.budgetHistory(ctx, in) }}, err
	})
}

// directGrantRow reads a row of direct-grants-2024.csv: support;
// programme; operator; project; zone; amount; decided on.
func directGrantRow(file string, g []string) (operations.DirectGrantInput, error) {
	in := operations.DirectGrantInput{Year: 2024, Support: field(g, 0), Programme: field(g, 1), Operator: field(g, 2),
		Project: field(g, 3), Zone: field(g, 4)}
	var err error
	if in.Amount, err = money.Parse(field(g, 5)); err != nil {
		return in, usage("%s: %s: amount: %v", file, in.Project, err)
	}
	if in.DecidedOn, err = callspec.ParseTime(field(g, 6)); err != nil {
		return in, usage("%s: %s: decided_on: %v", file, in.Project, err)
	}
	return in, nil
}

// expenseRow reads a row of expenses-2024.csv: invoice; supplier;
// description; zone; amount; date.
func expenseRow(file string, x []string) (operations.ExpenseInput, error) {
	in := operations.ExpenseInput{Year: 2024, Invoice: field(x, 0), Supplier: field(x, 1), Description: field(x, 2), Zone: field(x, 3)}
	var err error
	if in.Amount, err = money.Parse(field(x, 4)); err != nil {
		return in, usage("%s: invoice %s: amount: %v", file, in.Invoice, err)
	}
	if in.InvoicedOn, err = callspec.ParseTime(field(x, 5)); err != nil {
		return in, usage("%s: invoice %s: date: %v", file, in.Invoice, err)
	}
	return in, nil
}

// budgetRow reads a row of budgets.csv: year; committed; source.
func budgetRow(file string, b []string) (operations.BudgetHistoryInput, error) {
	in := operations.BudgetHistoryInput{Source: field(b, 2)}
	var err error
	if in.Year, err = strconv.Atoi(field(b, 0)); err != nil {
		return in, usage("%s: year %q: want a year such as 2023", file, field(b, 0))
	}
	if in.Committed, err = money.Parse(field(b, 1)); err != nil {
		return in, usage("%s: %d: committed: %v", file, in.Year, err)
	}
	return in, nil
}

// field is the row's i-th field, trimmed ("" when the row is short).
func field(row []string, i int) string {
	if i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
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
