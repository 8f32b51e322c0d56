package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
	"go.temporal.io/sdk/workflow"
)

// The budget of a year is an entity workflow ("budget-2024") that takes
// what is committed outside calls: grants decided outside a call,
// emergency aid, operating-cost invoices, and (for years before
// callcycle) the committed total. Each arrives as an Update with a
// validator, like every other human input, so a refused entry never
// reaches PostgreSQL. The rows themselves live in PostgreSQL; the
// workflow keeps only keys (to refuse duplicates) and totals.

// Budget workflow names.
const (
	BudgetWorkflowName  = "BudgetYear"
	UpdateDirectGrant   = "record-direct-grant"
	UpdateExpense       = "record-expense"
	UpdateBudgetHistory = "record-budget-history"
	UpdateRefreshZones  = "refresh-zones"
	QueryBudget         = "budget-status"
)

// BudgetWorkflowID is the budget entity of a year.
func BudgetWorkflowID(year int) string { return fmt.Sprintf("budget-%d", year) }

// Support kinds outside calls.
const (
	SupportOutsideCalls = "hors-appel"
	SupportEmergency    = "urgence"
)

// BudgetInput starts or continues a year's budget entity.
type BudgetInput struct {
	Year  int          `json:"year"`
	State *BudgetState `json:"state"`
}

// BudgetResult is never returned in practice.
type BudgetResult struct{}

// BudgetState is keys and totals.
type BudgetState struct {
	GrantKeys    []string    `json:"grantKeys"` // sorted
	Invoices     []string    `json:"invoices"`  // sorted, normalised
	DirectGrants money.Cents `json:"directGrants"`
	Emergency    money.Cents `json:"emergency"`
	Expenses     money.Cents `json:"expenses"`
	History      money.Cents `json:"history"` // committed total recorded for a year before callcycle
	HasHistory   bool        `json:"hasHistory"`
	Updates      int         `json:"updates"`
	// Zones is the kept list of zones as last read from PostgreSQL (by
	// refresh-zones): validators match an entry's zone against it.
	Zones []string `json:"zones,omitempty"`
	// GrantReversals and InvoiceReversals count the reversals of a grant
	// key or invoice key: the entry recorded now is version n+1.
	GrantReversals   map[string]int `json:"grantReversals,omitempty"`
	InvoiceReversals map[string]int `json:"invoiceReversals,omitempty"`
	HistoryReversals int            `json:"historyReversals,omitempty"` // reversals of the year's committed total

}

// DirectGrantInput records a grant outside a call (or emergency aid).
type DirectGrantInput struct {
	Support   string      `json:"support"`   // hors-appel | urgence
	Programme string      `json:"programme"` // sud (partner regions) | cms (global citizenship in Brussels)
	Operator  string      `json:"operator"`
	Project   string      `json:"project"`
	Zone      string      `json:"zone"`
	Amount    money.Cents `json:"amount"`
	DecidedOn time.Time   `json:"decidedOn"`
	By        string      `json:"by"`
}

// ExpenseInput records an operating-cost invoice charged to a zone.
type ExpenseInput struct {
	Invoice     string      `json:"invoice"`
	Supplier    string      `json:"supplier"`
	Description string      `json:"description"`
	Zone        string      `json:"zone"`
	Amount      money.Cents `json:"amount"`
	InvoicedOn  time.Time   `json:"invoicedOn"`
	By          string      `json:"by"`
}

// BudgetHistoryInput records a past year's committed total.
type BudgetHistoryInput struct {
	Committed money.Cents `json:"committed"`
	Source    string      `json:"source"`
	By        string      `json:"by"`
}

// BudgetChangeResult is the year's totals after the change.
type BudgetChangeResult struct {
	Status BudgetStatus `json:"status"`
	Zone   string       `json:"zone"`   // the kept spelling the entry was recorded under
	Amount money.Cents  `json:"amount"` // a reversal: the amount reversed
}

// RefreshZonesInput asks the workflow to read the kept zones again (a call
// launched since adds its regions). The list is read from PostgreSQL by
// an activity, never taken from the caller.
type RefreshZonesInput struct {
	By string `json:"by"`
}

// BudgetQuery has no parameters.
type BudgetQuery struct{}

// BudgetStatus is a year's money outside calls.
type BudgetStatus struct {
	Year         int         `json:"year"`
	DirectGrants money.Cents `json:"directGrants"`
	Emergency    money.Cents `json:"emergency"`
	Expenses     money.Cents `json:"expenses"`
	History      money.Cents `json:"history"`
	HasHistory   bool        `json:"hasHistory"`
	Zones        []string    `json:"zones"` // the kept zones the workflow knows
}

type budgetWF struct {
	year int
	st   *BudgetState
}

// BudgetWorkflow is a year's budget entity.
func BudgetWorkflow(ctx workflow.Context, in BudgetInput) (BudgetResult, error) {
	b := &budgetWF{year: in.Year, st: in.State}
	if b.st == nil {
		b.st = &BudgetState{}
	}
	b.st.Updates = 0
	err := errors.Join(
		workflow.SetQueryHandler(ctx, QueryBudget, func(BudgetQuery) (BudgetStatus, error) { return b.status(), nil }),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateDirectGrant, b.directGrant, workflow.UpdateHandlerOptions{Validator: b.validateDirectGrant}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateExpense, b.expense, workflow.UpdateHandlerOptions{Validator: b.validateExpense}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateBudgetHistory, b.history, workflow.UpdateHandlerOptions{Validator: b.validateHistory}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateRefreshZones, b.refreshZones, workflow.UpdateHandlerOptions{Validator: b.validateRefreshZones}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateReverseDirectGrant, b.reverseDirectGrant, workflow.UpdateHandlerOptions{Validator: b.validateReverseDirectGrant}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateReverseExpense, b.reverseExpense, workflow.UpdateHandlerOptions{Validator: b.validateReverseExpense}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateReverseHistory, b.reverseHistory, workflow.UpdateHandlerOptions{Validator: b.validateReverseHistory}),
	)
	if err != nil {
		return BudgetResult{}, err
	}
	b.publish(ctx)
	if err := workflow.Await(ctx, func() bool {
		return b.st.Updates >= DefaultMaxUpdatesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return BudgetResult{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return BudgetResult{}, err
	}
	return BudgetResult{}, workflow.NewContinueAsNewError(ctx, BudgetWorkflow, BudgetInput{Year: in.Year, State: b.st})
}

func (b *budgetWF) status() BudgetStatus {
	return BudgetStatus{Year: b.year, DirectGrants: b.st.DirectGrants, Emergency: b.st.Emergency, Expenses: b.st.Expenses,
		History: b.st.History, HasHistory: b.st.HasHistory, Zones: slices.Clone(b.st.Zones)}
}

func (b *budgetWF) publish(ctx workflow.Context) {
	s := b.status()
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Budget %d** outside calls  \nGrants outside calls: %s  \nEmergency aid: %s  \nOperating costs: %s",
		s.Year, s.DirectGrants, s.Emergency, s.Expenses))
}

// text checks a one-line field.
func text(field, s string, max int) FieldProblem {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return FieldProblem{field, "required"}
	case !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00"):
		return FieldProblem{field, "must be one line of text"}
	case utf8.RuneCountInString(s) > max:
		return FieldProblem{field, fmt.Sprintf("longer than %d characters", max)}
	}
	return FieldProblem{}
}

func (b *budgetWF) checkDate(field string, t time.Time) FieldProblem {
	if t.IsZero() || t.Year() != b.year {
		return FieldProblem{field, fmt.Sprintf("want a date in %d", b.year)}
	}
	return FieldProblem{}
}

func amountCheck(a money.Cents) FieldProblem {
	if a <= 0 || a > money.Euros(10_000_000) {
		return FieldProblem{"amount", fmt.Sprintf("want a positive amount up to 10.000.000 €, got %s", a)}
	}
	return FieldProblem{}
}

// joinWhy refuses the input for every problem given (those without a
// reason are no problem), or returns nil. The message reads
// "field: reason; field: reason"; the details (Rejection.Fields) carry
// the same, for front ends to show beside their own fields.
func joinWhy(why ...FieldProblem) error {
	var out []FieldProblem
	var msg []string
	for _, w := range why {
		if w.Reason == "" {
			continue
		}
		out = append(out, w)
		if w.Field == "" {
			msg = append(msg, w.Reason)
		} else {
			msg = append(msg, w.Field+": "+w.Reason)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return rejectedWith(strings.Join(msg, "; "), Rejection{Fields: out})
}

func (b *budgetWF) grantKey(in DirectGrantInput) string {
	return fmt.Sprintf("%d/%s", b.year, intake.DuplicateKey(in.Operator, in.Project))
}

func (b *budgetWF) validateDirectGrant(_ workflow.Context, in DirectGrantInput) error {
	var support, programme, dup FieldProblem
	if in.Support != SupportOutsideCalls && in.Support != SupportEmergency {
		support = FieldProblem{"support", fmt.Sprintf("want hors-appel or urgence, got %q", in.Support)}
	}
	if in.Programme != "sud" && in.Programme != "cms" {
		programme = FieldProblem{"programme", fmt.Sprintf("want sud or cms, got %q", in.Programme)}
	}
	if _, found := slices.BinarySearch(b.st.GrantKeys, b.grantKey(in)); found {
		dup = FieldProblem{"", fmt.Sprintf("%s — %s is already recorded for %d", in.Operator, in.Project, b.year)}
	}
	if err := joinWhy(support, programme, text("operator", in.Operator, 200), text("project", in.Project, 300),
		b.zoneCheck(in.Zone), amountCheck(in.Amount), b.checkDate("decided_on", in.DecidedOn), dup); err != nil {
		return err
	}
	return officer(in.By)
}

func (b *budgetWF) directGrant(ctx workflow.Context, in DirectGrantInput) (BudgetChangeResult, error) {
	b.st.Updates++
	key := b.grantKey(in)
	i, _ := slices.BinarySearch(b.st.GrantKeys, key)
	b.st.GrantKeys = slices.Insert(b.st.GrantKeys, i, key)
	zone := b.keptZone(in.Zone)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), act.RecordDirectGrant, activities.DirectGrantInput{
		Key: versionedKey(key, b.st.GrantReversals[key]+1), Year: b.year, Support: in.Support, Programme: in.Programme, Operator: strings.TrimSpace(in.Operator),
		Project: strings.TrimSpace(in.Project), Zone: zone, Amount: in.Amount, DecidedOn: in.DecidedOn,
		By: in.By, At: workflow.Now(ctx)}).Get(ctx, nil)
	if err != nil {
		if j, found := slices.BinarySearch(b.st.GrantKeys, key); found {
			b.st.GrantKeys = slices.Delete(b.st.GrantKeys, j, j+1)
		}
		return BudgetChangeResult{}, err
	}
	if in.Support == SupportEmergency {
		b.st.Emergency += in.Amount
	} else {
		b.st.DirectGrants += in.Amount
	}
	b.publish(ctx)
	return BudgetChangeResult{Status: b.status(), Zone: zone}, nil
}

func invoiceKey(s string) string { return activities.InvoiceKey(s) }

func (b *budgetWF) validateExpense(_ workflow.Context, in ExpenseInput) error {
	var dup FieldProblem
	if _, found := slices.BinarySearch(b.st.Invoices, invoiceKey(in.Invoice)); found {
		dup = FieldProblem{"invoice", fmt.Sprintf("invoice %s is already recorded for %d", in.Invoice, b.year)}
	}
	if err := joinWhy(text("invoice", in.Invoice, 50), text("supplier", in.Supplier, 200), text("description", in.Description, 300),
		b.zoneCheck(in.Zone), amountCheck(in.Amount), b.checkDate("invoiced_on", in.InvoicedOn), dup); err != nil {
		return err
	}
	return officer(in.By)
}

func (b *budgetWF) expense(ctx workflow.Context, in ExpenseInput) (BudgetChangeResult, error) {
	b.st.Updates++
	key := invoiceKey(in.Invoice)
	i, _ := slices.BinarySearch(b.st.Invoices, key)
	b.st.Invoices = slices.Insert(b.st.Invoices, i, key)
	zone := b.keptZone(in.Zone)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), act.RecordExpense, activities.ExpenseInput{
		Year: b.year, Invoice: strings.TrimSpace(in.Invoice), Supplier: strings.TrimSpace(in.Supplier),
		Description: strings.TrimSpace(in.Description), Zone: zone, Amount: in.Amount,
		InvoicedOn: in.InvoicedOn, By: in.By, At: workflow.Now(ctx), Version: b.st.InvoiceReversals[key] + 1}).Get(ctx, nil)
	if err != nil {
		if j, found := slices.BinarySearch(b.st.Invoices, key); found {
			b.st.Invoices = slices.Delete(b.st.Invoices, j, j+1)
		}
		return BudgetChangeResult{}, err
	}
	b.st.Expenses += in.Amount
	b.publish(ctx)
	return BudgetChangeResult{Status: b.status(), Zone: zone}, nil
}

func (b *budgetWF) validateHistory(ctx workflow.Context, in BudgetHistoryInput) error {
	return b.checkHistory(workflow.Now(ctx), in)
}

func (b *budgetWF) checkHistory(now time.Time, in BudgetHistoryInput) error {
	if b.st.HasHistory {
		return wrongStage("the committed total of %d is already recorded (%s)", b.year, b.st.History)
	}
	if b.year >= now.Year() {
		return rejected(fmt.Sprintf("%d is not a past year; its total comes from what callcycle records", b.year))
	}
	if in.Committed < 0 || in.Committed > money.Euros(1_000_000_000) {
		return refuse("committed", "want an amount such as \"1.437.344 €\"")
	}
	if err := joinWhy(text("source", in.Source, 200)); err != nil {
		return err
	}
	return officer(in.By)
}

func (b *budgetWF) history(ctx workflow.Context, in BudgetHistoryInput) (BudgetChangeResult, error) {
	b.st.Updates++
	b.st.HasHistory, b.st.History = true, in.Committed
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), act.RecordBudgetHistory, activities.BudgetHistoryInput{
		Year: b.year, Committed: in.Committed, Source: strings.TrimSpace(in.Source), By: in.By,
		At: workflow.Now(ctx), Version: b.st.HistoryReversals + 1}).Get(ctx, nil)
	if err != nil {
		b.st.HasHistory, b.st.History = false, 0
		return BudgetChangeResult{}, err
	}
	b.publish(ctx)
	return BudgetChangeResult{Status: b.status()}, nil
}

// CheckNewBudgetEntry applies the validators of a budget year that has no
// entries yet, with the kept zones the workflow will read when it starts.
// The CLI runs it before starting a year's workflow, so a refused first
// entry does not leave an empty workflow behind.
func CheckNewBudgetEntry(year int, now time.Time, known []string, entry any) error {
	b := &budgetWF{year: year, st: &BudgetState{Zones: known}}
	switch in := entry.(type) {
	case ReverseDirectGrantInput:
		return b.validateReverseDirectGrant(nil, in)
	case ReverseExpenseInput:
		return b.validateReverseExpense(nil, in)
	case ReverseBudgetHistoryInput:
		return b.validateReverseHistory(nil, in)
	case DirectGrantInput:
		return b.validateDirectGrant(nil, in)
	case ExpenseInput:
		return b.validateExpense(nil, in)
	case BudgetHistoryInput:
		return b.checkHistory(now, in)
	}
	return rejected(fmt.Sprintf("unknown budget entry %T", entry))
}
