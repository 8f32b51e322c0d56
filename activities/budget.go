package activities

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/internal/money"
)

// DirectGrantInput is a grant decided outside a call, or emergency aid.
type DirectGrantInput struct {
	Key       string
	Year      int
	Support   string // hors-appel | urgence
	Programme string // sud | cms
	Operator  string
	Project   string
	Zone      string
	Amount    money.Cents
	DecidedOn time.Time
	By        string
	At        time.Time
}

// DirectGrantResult is empty.
type DirectGrantResult struct{}

// RecordDirectGrant stores it once (the key is UNIQUE).
func (a *Activities) RecordDirectGrant(ctx context.Context, in DirectGrantInput) (DirectGrantResult, error) {
	_, err := a.DB.Exec(ctx, `INSERT INTO direct_grants (grant_key, year, support, programme, operator, project, zone, amount_cents, decided_on, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (grant_key) DO NOTHING`,
		in.Key, in.Year, in.Support, in.Programme, in.Operator, in.Project, in.Zone, int64(in.Amount), nullDate(in.DecidedOn), in.By, in.At)
	return DirectGrantResult{}, err
}

// ExpenseInput is one operating-cost invoice.
type ExpenseInput struct {
	Year        int
	Invoice     string
	Supplier    string
	Description string
	Zone        string
	Amount      money.Cents
	InvoicedOn  time.Time
	By          string
	At          time.Time
}

// ExpenseResult is empty.
type ExpenseResult struct{}

// RecordExpense stores it once per year and invoice number.
func (a *Activities) RecordExpense(ctx context.Context, in ExpenseInput) (ExpenseResult, error) {
	_, err := a.DB.Exec(ctx, `INSERT INTO expenses (year, invoice, supplier, description, zone, amount_cents, invoiced_on, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (year, invoice) DO NOTHING`,
		in.Year, in.Invoice, in.Supplier, in.Description, in.Zone, int64(in.Amount), nullDate(in.InvoicedOn), in.By, in.At)
	return ExpenseResult{}, err
}

// BudgetHistoryInput is a year's committed total from before callcycle.
type BudgetHistoryInput struct {
	Year      int
	Committed money.Cents
	Source    string
	By        string
}

// BudgetHistoryResult is empty.
type BudgetHistoryResult struct{}

// RecordBudgetHistory stores it once per year.
func (a *Activities) RecordBudgetHistory(ctx context.Context, in BudgetHistoryInput) (BudgetHistoryResult, error) {
	_, err := a.DB.Exec(ctx, `INSERT INTO budget_history (year, committed_cents, source, recorded_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (year) DO NOTHING`, in.Year, int64(in.Committed), in.Source, in.By)
	return BudgetHistoryResult{}, err
}
