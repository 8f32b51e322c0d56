package operations

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// DirectGrantInput is a grant decided outside a call (or emergency aid).
type DirectGrantInput struct {
	Year      int         `json:"year"`
	Support   string      `json:"support"`   // hors-appel | urgence
	Programme string      `json:"programme"` // sud | cms
	Operator  string      `json:"operator"`
	Project   string      `json:"project"`
	Zone      string      `json:"zone"` // matched without regard to case or accents
	Amount    money.Cents `json:"amount"`
	DecidedOn time.Time   `json:"decided_on"`
}

// ExpenseInput is an operating-cost invoice charged to a zone.
type ExpenseInput struct {
	Year        int         `json:"year"`
	Invoice     string      `json:"invoice"`
	Supplier    string      `json:"supplier"`
	Description string      `json:"description"`
	Zone        string      `json:"zone"`
	Amount      money.Cents `json:"amount"`
	InvoicedOn  time.Time   `json:"invoiced_on"`
}

// BudgetHistoryInput is a past year's committed total.
type BudgetHistoryInput struct {
	Year      int         `json:"year"`
	Committed money.Cents `json:"committed"`
	Source    string      `json:"source"`
}

// ReverseDirectGrantInput names a recorded grant outside a call.
type ReverseDirectGrantInput struct {
	Year     int    `json:"year"`
	Operator string `json:"operator"`
	Project  string `json:"project"`
	Reason   string `json:"reason"`
}

// ReverseExpenseInput names a recorded invoice.
type ReverseExpenseInput struct {
	Year    int    `json:"year"`
	Invoice string `json:"invoice"`
	Reason  string `json:"reason"`
}

// ReverseBudgetHistoryInput reverses a past year's committed total.
type ReverseBudgetHistoryInput struct {
	Year   int    `json:"year"`
	Reason string `json:"reason"`
}

// BudgetEntryResult is the year's totals after an entry or a reversal.
type BudgetEntryResult struct {
	Year   int          `json:"year"`
	Zone   string       `json:"zone"`   // the kept spelling the entry was recorded under
	Amount Money        `json:"amount"` // the entry's amount, or the amount reversed
	Totals BudgetTotals `json:"totals"`
}

// BudgetTotals is a year's money outside calls.
type BudgetTotals struct {
	DirectGrants Money  `json:"direct_grants"`
	Emergency    Money  `json:"emergency"`
	Expenses     Money  `json:"expenses"`
	History      *Money `json:"history"` // a past year's committed total, when recorded
}

func budgetResult(year int, amount money.Cents, r workflows.BudgetChangeResult) BudgetEntryResult {
	t := BudgetTotals{DirectGrants: M(r.Status.DirectGrants), Emergency: M(r.Status.Emergency), Expenses: M(r.Status.Expenses)}
	if r.Status.HasHistory {
		h := M(r.Status.History)
		t.History = &h
	}
	return BudgetEntryResult{Year: year, Zone: r.Zone, Amount: M(amount), Totals: t}
}

// DirectGrant records a grant outside a call (or emergency aid).
func (s *Service) DirectGrant(ctx context.Context, by Actor, in DirectGrantInput) (res BudgetEntryResult, err error) {
	defer s.audited(ctx, by, "budget.direct-grant", in, &err, func() string { return strconv.Itoa(in.Year) })
	r, err := s.budgetUpdate(ctx, in.Year, workflows.UpdateDirectGrant, workflows.DirectGrantInput{Support: in.Support, Programme: in.Programme,
		Operator: in.Operator, Project: in.Project, Zone: in.Zone, Amount: in.Amount, DecidedOn: dayOrZero(in.DecidedOn), By: by.Name})
	if err != nil {
		return BudgetEntryResult{}, err
	}
	return budgetResult(in.Year, in.Amount, r), nil
}

// Expense records an operating-cost invoice charged to a zone.
func (s *Service) Expense(ctx context.Context, by Actor, in ExpenseInput) (res BudgetEntryResult, err error) {
	defer s.audited(ctx, by, "budget.expense", in, &err, func() string { return strconv.Itoa(in.Year) })
	r, err := s.budgetUpdate(ctx, in.Year, workflows.UpdateExpense, workflows.ExpenseInput{Invoice: in.Invoice, Supplier: in.Supplier,
		Description: in.Description, Zone: in.Zone, Amount: in.Amount, InvoicedOn: dayOrZero(in.InvoicedOn), By: by.Name})
	if err != nil {
		return BudgetEntryResult{}, err
	}
	return budgetResult(in.Year, in.Amount, r), nil
}

// BudgetHistory records a past year's committed total.
func (s *Service) BudgetHistory(ctx context.Context, by Actor, in BudgetHistoryInput) (res BudgetEntryResult, err error) {
	defer s.audited(ctx, by, "budget.history", in, &err, func() string { return strconv.Itoa(in.Year) })
	r, err := s.budgetUpdate(ctx, in.Year, workflows.UpdateBudgetHistory, workflows.BudgetHistoryInput{Committed: in.Committed, Source: in.Source, By: by.Name})
	if err != nil {
		return BudgetEntryResult{}, err
	}
	return budgetResult(in.Year, in.Committed, r), nil
}

// ReverseDirectGrant records the reversal of a grant outside a call (or
// of emergency aid): a negative entry referring to it. The grant stays
// recorded; the annual report nets the two out.
func (s *Service) ReverseDirectGrant(ctx context.Context, by Actor, in ReverseDirectGrantInput) (res BudgetEntryResult, err error) {
	defer s.audited(ctx, by, "budget.direct-grant.reverse", in, &err, func() string { return strconv.Itoa(in.Year) })
	r, err := s.budgetUpdate(ctx, in.Year, workflows.UpdateReverseDirectGrant, workflows.ReverseDirectGrantInput{
		Operator: in.Operator, Project: in.Project, Reason: in.Reason, By: by.Name})
	if err != nil {
		return BudgetEntryResult{}, err
	}
	return budgetResult(in.Year, r.Amount, r), nil
}

// ReverseExpense records the reversal of an operating-cost invoice.
func (s *Service) ReverseExpense(ctx context.Context, by Actor, in ReverseExpenseInput) (res BudgetEntryResult, err error) {
	defer s.audited(ctx, by, "budget.expense.reverse", in, &err, func() string { return strconv.Itoa(in.Year) })
	r, err := s.budgetUpdate(ctx, in.Year, workflows.UpdateReverseExpense, workflows.ReverseExpenseInput{Invoice: in.Invoice, Reason: in.Reason, By: by.Name})
	if err != nil {
		return BudgetEntryResult{}, err
	}
	return budgetResult(in.Year, r.Amount, r), nil
}

// ReverseBudgetHistory records the reversal of a past year's committed
// total; a corrected one may then be recorded with BudgetHistory.
func (s *Service) ReverseBudgetHistory(ctx context.Context, by Actor, in ReverseBudgetHistoryInput) (res BudgetEntryResult, err error) {
	defer s.audited(ctx, by, "budget.history.reverse", in, &err, func() string { return strconv.Itoa(in.Year) })
	r, err := s.budgetUpdate(ctx, in.Year, workflows.UpdateReverseHistory, workflows.ReverseBudgetHistoryInput{Reason: in.Reason, By: by.Name})
	if err != nil {
		return BudgetEntryResult{}, err
	}
	return budgetResult(in.Year, r.Amount, r), nil
}

// ZonesInput has no fields.
type ZonesInput struct{}

// ZonesResult is the kept list of zones money may be charged to.
type ZonesResult struct {
	Zones []string `json:"zones"`
}

// Zones lists the kept zones (configured zones, then launched calls' regions).
func (s *Service) Zones(ctx context.Context, _ Actor, _ ZonesInput) (ZonesResult, error) {
	l, err := activities.LoadZones(ctx, s.DB)
	if err != nil {
		return ZonesResult{}, classify("", err)
	}
	return ZonesResult{Zones: append([]string{}, l.Names()...)}, nil
}

func dayOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return startOfDay(t)
}

func budgetSubject(year int) string { return workflows.BudgetWorkflowID(year) }

// budgetUpdate sends an update to a year's budget entity, starting it if
// needed. An entry's zone is matched by the workflow's validator against
// the kept zones it last read; when the zone is on the list in PostgreSQL
// but not yet in the workflow's copy (a call launched since), the
// workflow reads the list again first. A zone on neither is left to the
// validator, which refuses it with every other reason.
func (s *Service) budgetUpdate(ctx context.Context, year int, name string, arg any) (workflows.BudgetChangeResult, error) {
	var res workflows.BudgetChangeResult
	id := workflows.BudgetWorkflowID(year)
	if year < 2000 || year > 2100 {
		return res, refused("year", "want a year such as 2024, got %d", year)
	}
	subject := budgetSubject(year)
	zone := ""
	switch in := arg.(type) {
	case workflows.DirectGrantInput:
		zone = in.Zone
	case workflows.ExpenseInput:
		zone = in.Zone
	}
	known, err := activities.LoadZones(ctx, s.DB)
	if err != nil {
		return res, classify("", err)
	}
	kept, isKnown := known.Kept(zone)
	by := byOf(arg)
	// A year without a workflow yet: check the entry first, so that a
	// refused one starts nothing (update-with-start would).
	_, err = s.Temporal.DescribeWorkflowExecution(ctx, id, "")
	switch {
	case isNotFound(err):
		if err := workflows.CheckNewBudgetEntry(year, s.now(), known.Names(), arg); err != nil {
			return res, classify(subject, err)
		}
		if err := s.startBudget(ctx, year, by); err != nil {
			return res, classify(subject, err)
		}
	case err != nil:
		return res, classify("", err)
	case isKnown:
		var st workflows.BudgetStatus
		v, err := s.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryBudget, workflows.BudgetQuery{})
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			return res, classify(subject, err)
		}
		if !slices.Contains(st.Zones, kept) {
			// Refused input changes nothing, not even the zones' reading:
			// what the entry's validator checks regardless of the year's
			// entries is checked first.
			if err := workflows.CheckNewBudgetEntry(year, s.now(), known.Names(), arg); err != nil {
				return res, classify(subject, err)
			}
			if err := s.send(ctx, id, workflows.UpdateRefreshZones, workflows.RefreshZonesInput{By: by}, nil); err != nil {
				return res, classify(subject, err)
			}
		}
	}
	return res, classify(subject, s.send(ctx, id, name, arg, &res))
}

// byOf is the officer recorded with a budget entry.
func byOf(arg any) string {
	switch in := arg.(type) {
	case workflows.DirectGrantInput:
		return in.By
	case workflows.ExpenseInput:
		return in.By
	case workflows.BudgetHistoryInput:
		return in.By
	case workflows.ReverseDirectGrantInput:
		return in.By
	case workflows.ReverseExpenseInput:
		return in.By
	case workflows.ReverseBudgetHistoryInput:
		return in.By
	}
	return ""
}

// startBudget starts a year's budget entity with its first update: the
// reading of the kept zones.
func (s *Service) startBudget(ctx context.Context, year int, by string) error {
	h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID: workflows.BudgetWorkflowID(year), TaskQueue: workflows.TaskQueue,
			WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			StaticSummary:            fmt.Sprintf("Budget %d: money committed outside calls", year),
		}, workflows.BudgetWorkflowName, workflows.BudgetInput{Year: year}),
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: workflows.BudgetWorkflowID(year), UpdateName: workflows.UpdateRefreshZones,
			Args: []any{workflows.RefreshZonesInput{By: by}}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	return err
}
