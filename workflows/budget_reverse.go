package workflows

import (
	"fmt"
	"slices"
	"strings"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/zones"
	"go.temporal.io/sdk/workflow"
)

// Zones and reversals of the budget entity (issue 11, point 8). An entry's
// zone must be on the kept list, and is stored in its kept spelling, so
// the annual report has one line per zone. A wrong entry is never edited
// or deleted: a reversal records its negative, referring to it, and the
// entry may then be recorded again, corrected.

// Reversal update names.
const (
	UpdateReverseDirectGrant = "reverse-direct-grant"
	UpdateReverseExpense     = "reverse-expense"
	UpdateReverseHistory     = "reverse-budget-history"
)

// ReverseBudgetHistoryInput reverses the year's committed total (a year
// before callcycle), which may then be recorded again.
type ReverseBudgetHistoryInput struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// ReverseDirectGrantInput names a grant outside a call (or emergency aid)
// as it was recorded: operator and project (compared as duplicates are).
type ReverseDirectGrantInput struct {
	Operator string `json:"operator"`
	Project  string `json:"project"`
	Reason   string `json:"reason"`
	By       string `json:"by"`
}

// ReverseExpenseInput names an invoice of the year.
type ReverseExpenseInput struct {
	Invoice string `json:"invoice"`
	Reason  string `json:"reason"`
	By      string `json:"by"`
}

// zoneCheck is the validators' answer for a zone: "" when it is on the
// kept list.
func (b *budgetWF) zoneCheck(zone string) FieldProblem {
	if why := text("zone", zone, 200); why.Reason != "" {
		return why
	}
	if _, err := zones.New(b.st.Zones...).Resolve("zone", zone); err != nil {
		return FieldProblem{"zone", strings.TrimPrefix(err.Error(), "zone: ")}
	}
	return FieldProblem{}
}

// keptZone is the kept spelling of a validated zone. Replaying an entry
// accepted before zones were kept (no list in the state) keeps its text.
func (b *budgetWF) keptZone(zone string) string { return zones.New(b.st.Zones...).Fold(zone) }

// versionedKey is the stored key of the n-th recording of a direct grant:
// the first keeps the key it always had.
func versionedKey(key string, n int) string {
	if n <= 1 {
		return key
	}
	return fmt.Sprintf("%s/%d", key, n)
}

func (b *budgetWF) validateRefreshZones(_ workflow.Context, in RefreshZonesInput) error {
	return officer(in.By)
}

func (b *budgetWF) refreshZones(ctx workflow.Context, _ RefreshZonesInput) (BudgetChangeResult, error) {
	b.st.Updates++
	var res activities.KnownZonesResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), act.KnownZones, activities.KnownZonesInput{}).Get(ctx, &res); err != nil {
		return BudgetChangeResult{}, err
	}
	b.st.Zones = res.Zones
	return BudgetChangeResult{Status: b.status()}, nil
}

func (b *budgetWF) validateReverseDirectGrant(_ workflow.Context, in ReverseDirectGrantInput) error {
	if err := joinWhy(text("operator", in.Operator, 200), text("project", in.Project, 300), text("reason", in.Reason, 300)); err != nil {
		return err
	}
	key := b.grantKey(DirectGrantInput{Operator: in.Operator, Project: in.Project})
	if _, found := slices.BinarySearch(b.st.GrantKeys, key); !found {
		if n := b.st.GrantReversals[key]; n > 0 {
			return wrongStage("%s — %s (%d) is already reversed; a corrected grant is recorded with `starter grant direct`", in.Operator, in.Project, b.year)
		}
		return rejected(fmt.Sprintf("no grant %s — %s is recorded for %d (operator and project as recorded)", in.Operator, in.Project, b.year))
	}
	return officer(in.By)
}

func (b *budgetWF) reverseDirectGrant(ctx workflow.Context, in ReverseDirectGrantInput) (BudgetChangeResult, error) {
	b.st.Updates++
	key := b.grantKey(DirectGrantInput{Operator: in.Operator, Project: in.Project})
	// Taken off the recorded keys before the activity, so a second
	// reversal sent meanwhile is refused by the validator.
	undo := b.takeKey(&b.st.GrantKeys, &b.st.GrantReversals, key)
	var res activities.ReverseEntryResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), act.ReverseEntry, activities.ReverseEntryInput{
		Year: b.year, GrantKey: versionedKey(key, b.st.GrantReversals[key]), Reason: strings.TrimSpace(in.Reason),
		By: in.By, At: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		undo()
		return BudgetChangeResult{}, err
	}
	if res.Support == SupportEmergency {
		b.st.Emergency -= res.Amount
	} else {
		b.st.DirectGrants -= res.Amount
	}
	b.publish(ctx)
	return BudgetChangeResult{Status: b.status(), Zone: res.Zone, Amount: res.Amount}, nil
}

func (b *budgetWF) validateReverseExpense(_ workflow.Context, in ReverseExpenseInput) error {
	if err := joinWhy(text("invoice", in.Invoice, 50), text("reason", in.Reason, 300)); err != nil {
		return err
	}
	key := invoiceKey(in.Invoice)
	if _, found := slices.BinarySearch(b.st.Invoices, key); !found {
		if n := b.st.InvoiceReversals[key]; n > 0 {
			return wrongStage("invoice %s (%d) is already reversed; a corrected one is recorded with `starter expense`", in.Invoice, b.year)
		}
		return rejected(fmt.Sprintf("no invoice %s is recorded for %d", in.Invoice, b.year))
	}
	return officer(in.By)
}

func (b *budgetWF) reverseExpense(ctx workflow.Context, in ReverseExpenseInput) (BudgetChangeResult, error) {
	b.st.Updates++
	key := invoiceKey(in.Invoice)
	undo := b.takeKey(&b.st.Invoices, &b.st.InvoiceReversals, key)
	var res activities.ReverseEntryResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), act.ReverseEntry, activities.ReverseEntryInput{
		Year: b.year, InvoiceKey: key, InvoiceVersion: b.st.InvoiceReversals[key], Reason: strings.TrimSpace(in.Reason),
		By: in.By, At: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		undo()
		return BudgetChangeResult{}, err
	}
	b.st.Expenses -= res.Amount
	b.publish(ctx)
	return BudgetChangeResult{Status: b.status(), Zone: res.Zone, Amount: res.Amount}, nil
}

func (b *budgetWF) validateReverseHistory(_ workflow.Context, in ReverseBudgetHistoryInput) error {
	if err := joinWhy(text("reason", in.Reason, 300)); err != nil {
		return err
	}
	if !b.st.HasHistory {
		if b.st.HistoryReversals > 0 {
			return wrongStage("the committed total of %d is already reversed; a corrected one is recorded with `starter budget history`", b.year)
		}
		return rejected(fmt.Sprintf("no committed total is recorded for %d", b.year))
	}
	return officer(in.By)
}

func (b *budgetWF) reverseHistory(ctx workflow.Context, in ReverseBudgetHistoryInput) (BudgetChangeResult, error) {
	b.st.Updates++
	// Taken before the activity, so a second reversal meanwhile is refused.
	was := b.st.History
	b.st.HasHistory, b.st.History = false, 0
	b.st.HistoryReversals++
	var res activities.ReverseEntryResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), act.ReverseEntry, activities.ReverseEntryInput{
		Year: b.year, HistoryVersion: b.st.HistoryReversals, Reason: strings.TrimSpace(in.Reason),
		By: in.By, At: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		b.st.HasHistory, b.st.History = true, was
		b.st.HistoryReversals--
		return BudgetChangeResult{}, err
	}
	b.publish(ctx)
	return BudgetChangeResult{Status: b.status(), Amount: res.Amount}, nil
}

// takeKey removes a recorded key and counts its reversal (the count is
// then the reversed version); undo puts both back.
func (b *budgetWF) takeKey(keys *[]string, reversals *map[string]int, key string) (undo func()) {
	if j, found := slices.BinarySearch(*keys, key); found {
		*keys = slices.Delete(*keys, j, j+1)
	}
	if *reversals == nil {
		*reversals = map[string]int{}
	}
	(*reversals)[key]++
	return func() {
		if j, found := slices.BinarySearch(*keys, key); !found {
			*keys = slices.Insert(*keys, j, key)
		}
		if (*reversals)[key]--; (*reversals)[key] == 0 {
			delete(*reversals, key)
		}
	}
}
