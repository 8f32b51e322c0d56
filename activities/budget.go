package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"
)

// DirectGrantInput is a grant decided outside a call, or emergency aid.
type DirectGrantInput struct {
	Key       string      `json:"key"`
	Year      int         `json:"year"`
	Support   string      `json:"support"`   // hors-appel | urgence
	Programme string      `json:"programme"` // sud | cms
	Operator  string      `json:"operator"`
	Project   string      `json:"project"`
	Zone      string      `json:"zone"`
	Amount    money.Cents `json:"amount"`
	DecidedOn time.Time   `json:"decidedOn"`
	By        string      `json:"by"`
	At        time.Time   `json:"at"`
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
	Year        int         `json:"year"`
	Invoice     string      `json:"invoice"`
	Supplier    string      `json:"supplier"`
	Description string      `json:"description"`
	Zone        string      `json:"zone"`
	Amount      money.Cents `json:"amount"`
	InvoicedOn  time.Time   `json:"invoicedOn"`
	By          string      `json:"by"`
	At          time.Time   `json:"at"`
	// Version counts the recordings of this invoice number in the year:
	// 1, or n+1 after n reversals (0 from a workflow before reversals: 1).
	Version int `json:"version"`
}

// ExpenseResult is empty.
type ExpenseResult struct{}

// RecordExpense stores it once per year, invoice number and version.
func (a *Activities) RecordExpense(ctx context.Context, in ExpenseInput) (ExpenseResult, error) {
	_, err := a.DB.Exec(ctx, `INSERT INTO expenses (year, invoice, supplier, description, zone, amount_cents, invoiced_on, recorded_by, recorded_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (year, invoice, version) DO NOTHING`,
		in.Year, in.Invoice, in.Supplier, in.Description, in.Zone, int64(in.Amount), nullDate(in.InvoicedOn), in.By, in.At, max(in.Version, 1))
	return ExpenseResult{}, err
}

// BudgetHistoryInput is a year's committed total from before callcycle.
type BudgetHistoryInput struct {
	Year      int         `json:"year"`
	Committed money.Cents `json:"committed"`
	Source    string      `json:"source"`
	By        string      `json:"by"`
	At        time.Time   `json:"at"`      // zero from a workflow before 00007
	Version   int         `json:"version"` // 1, or n+1 after n reversals (0 from a workflow before reversals: 1)
}

// BudgetHistoryResult is empty.
type BudgetHistoryResult struct{}

// RecordBudgetHistory stores it once per year and version.
func (a *Activities) RecordBudgetHistory(ctx context.Context, in BudgetHistoryInput) (BudgetHistoryResult, error) {
	var at *time.Time
	if !in.At.IsZero() {
		at = &in.At
	}
	_, err := a.DB.Exec(ctx, `INSERT INTO budget_history (year, committed_cents, source, recorded_by, recorded_at, version) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (year, version) DO NOTHING`, in.Year, int64(in.Committed), in.Source, in.By, at, max(in.Version, 1))
	return BudgetHistoryResult{}, err
}

// ReverseEntryInput names the entry a reversal cancels: a direct grant by
// its stored key, an invoice by its normalised number (InvoiceKey, as the
// budget workflow compares them) and version, or the year's committed
// total by its version.
type ReverseEntryInput struct {
	Year           int       `json:"year"`
	GrantKey       string    `json:"grantKey"`
	InvoiceKey     string    `json:"invoiceKey"`
	InvoiceVersion int       `json:"invoiceVersion"`
	HistoryVersion int       `json:"historyVersion"`
	Reason         string    `json:"reason"`
	By             string    `json:"by"`
	At             time.Time `json:"at"`
}

// ReverseEntryResult is what was reversed, for the workflow's totals.
type ReverseEntryResult struct {
	Amount  money.Cents `json:"amount"`  // the original's amount (the reversal is its negative)
	Support string      `json:"support"` // hors-appel | urgence for a direct grant, "" for an invoice
	Zone    string      `json:"zone"`
}

// InvoiceKey is how invoice numbers are compared: upper case, no spaces
// ("f-2024- 027" is F-2024-027).
func InvoiceKey(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }

// ReverseEntry records the negative entry once (UNIQUE per original; a
// retry finds it and answers the same). The original row is left as it
// was.
func (a *Activities) ReverseEntry(ctx context.Context, in ReverseEntryInput) (ReverseEntryResult, error) {
	var res ReverseEntryResult
	var cents int64
	var err error
	switch {
	case in.HistoryVersion > 0:
		err = a.DB.QueryRow(ctx, `SELECT committed_cents FROM budget_history WHERE year = $1 AND version = $2`, in.Year, in.HistoryVersion).Scan(&cents)
		if err == nil {
			_, err = a.DB.Exec(ctx, `INSERT INTO budget_reversals (year, history_version, amount_cents, reason, recorded_by, recorded_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (year, history_version) DO NOTHING`, in.Year, in.HistoryVersion, -cents, in.Reason, in.By, in.At)
		}
	case in.GrantKey != "":
		err = a.DB.QueryRow(ctx, `SELECT amount_cents, support, zone FROM direct_grants WHERE grant_key = $1`, in.GrantKey).Scan(&cents, &res.Support, &res.Zone)
		if err == nil {
			_, err = a.DB.Exec(ctx, `INSERT INTO budget_reversals (year, grant_key, amount_cents, reason, recorded_by, recorded_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (grant_key) DO NOTHING`, in.Year, in.GrantKey, -cents, in.Reason, in.By, in.At)
		}
	default:
		var invoice string
		invoice, cents, res.Zone, err = a.findInvoice(ctx, in.Year, in.InvoiceKey, max(in.InvoiceVersion, 1))
		if err == nil {
			_, err = a.DB.Exec(ctx, `INSERT INTO budget_reversals (year, invoice, invoice_version, amount_cents, reason, recorded_by, recorded_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (year, invoice, invoice_version) DO NOTHING`,
				in.Year, invoice, max(in.InvoiceVersion, 1), -cents, in.Reason, in.By, in.At)
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		// The workflow only reverses what it recorded: a missing row is a
		// broken database, which retrying will not mend.
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%d: the entry to reverse (%s%s, history version %d) is not in the database",
			in.Year, in.GrantKey, in.InvoiceKey, in.HistoryVersion), ErrTypeNotFound, nil)
	}
	res.Amount = money.Cents(cents)
	return res, err
}

// findInvoice finds a version of an invoice by its key; the key is
// computed here (InvoiceKey), not in SQL, so it is the workflow's own.
func (a *Activities) findInvoice(ctx context.Context, year int, key string, version int) (invoice string, cents int64, zone string, err error) {
	rows, err := a.DB.Query(ctx, `SELECT invoice, amount_cents, zone FROM expenses WHERE year = $1 AND version = $2 ORDER BY invoice`, year, version)
	if err != nil {
		return "", 0, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var i, z string
		var c int64
		if err := rows.Scan(&i, &c, &z); err != nil {
			return "", 0, "", err
		}
		if InvoiceKey(i) == key {
			return i, c, z, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", 0, "", err
	}
	return "", 0, "", pgx.ErrNoRows
}
