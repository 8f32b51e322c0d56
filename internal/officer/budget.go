package officer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// budgetUpdate sends an update to a year's budget entity, starting it if
// needed. An entry's zone is matched by the workflow's validator against
// the kept zones it last read; when the zone is on the list in PostgreSQL
// but not yet in the workflow's copy (a call launched since), the
// workflow reads the list again first. A zone on neither is left to the
// validator, which refuses it with every other reason.
func (e Env) budgetUpdate(ctx context.Context, year int, name string, arg any) (workflows.BudgetChangeResult, error) {
	var res workflows.BudgetChangeResult
	id := workflows.BudgetWorkflowID(year)
	if year < 2000 || year > 2100 {
		return res, usage("--year: want a year such as 2024, got %d", year)
	}
	zone := ""
	switch in := arg.(type) {
	case workflows.DirectGrantInput:
		zone = in.Zone
	case workflows.ExpenseInput:
		zone = in.Zone
	}
	known, err := activities.LoadZones(ctx, e.DB)
	if err != nil {
		return res, err
	}
	kept, isKnown := known.Kept(zone)
	// A year without a workflow yet: check the entry first, so that a
	// refused one starts nothing (update-with-start would).
	_, err = e.Temporal.DescribeWorkflowExecution(ctx, id, "")
	switch {
	case isNotFound(err):
		if err := workflows.CheckNewBudgetEntry(year, time.Now(), known.Names(), arg); err != nil {
			return res, e.explain(id, err)
		}
		if err := e.startBudget(ctx, year); err != nil {
			return res, e.explain(id, err)
		}
	case err != nil:
		return res, err
	case isKnown:
		var st workflows.BudgetStatus
		v, err := e.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryBudget, workflows.BudgetQuery{})
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			return res, e.explain(id, err)
		}
		if !slices.Contains(st.Zones, kept) {
			// Refused input changes nothing, not even the zones' reading:
			// what the entry's validator checks regardless of the year's
			// entries is checked first.
			if err := workflows.CheckNewBudgetEntry(year, time.Now(), known.Names(), arg); err != nil {
				return res, e.explain(id, err)
			}
			if err := e.sendBudget(ctx, id, workflows.UpdateRefreshZones, workflows.RefreshZonesInput{By: e.By}, nil); err != nil {
				return res, e.explain(id, err)
			}
		}
	}
	return res, e.explain(id, e.sendBudget(ctx, id, name, arg, &res))
}

// startBudget starts a year's budget entity with its first update: the
// reading of the kept zones.
func (e Env) startBudget(ctx context.Context, year int) error {
	h, err := e.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: e.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID: workflows.BudgetWorkflowID(year), TaskQueue: workflows.TaskQueue,
			WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			StaticSummary:            fmt.Sprintf("Budget %d: money committed outside calls", year),
		}, workflows.BudgetWorkflowName, workflows.BudgetInput{Year: year}),
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: workflows.BudgetWorkflowID(year), UpdateName: workflows.UpdateRefreshZones,
			Args: []any{workflows.RefreshZonesInput{By: e.By}}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	return err
}

func (e Env) sendBudget(ctx context.Context, id, name string, arg any, res *workflows.BudgetChangeResult) error {
	h, err := e.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, res)
	}
	return err
}

// ReverseDirectGrant records the reversal of a grant outside a call (or of
// emergency aid): a negative entry referring to it. The grant stays
// recorded; the annual report nets the two out.
func (e Env) ReverseDirectGrant(ctx context.Context, year int, operator, project, reason string) error {
	res, err := e.budgetUpdate(ctx, year, workflows.UpdateReverseDirectGrant, workflows.ReverseDirectGrantInput{
		Operator: operator, Project: project, Reason: reason, By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%d: %s — %s (%s, %s) reversed by %s; outside calls now %s, emergency aid %s\n",
		year, strings.TrimSpace(operator), strings.TrimSpace(project), res.Zone, res.Amount, e.By, res.Status.DirectGrants, res.Status.Emergency)
	return nil
}

// ReverseExpense records the reversal of an operating-cost invoice.
func (e Env) ReverseExpense(ctx context.Context, year int, invoice, reason string) error {
	res, err := e.budgetUpdate(ctx, year, workflows.UpdateReverseExpense, workflows.ReverseExpenseInput{Invoice: invoice, Reason: reason, By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%d: invoice %s (%s, %s) reversed by %s; operating costs now %s\n",
		year, strings.TrimSpace(invoice), res.Zone, res.Amount, e.By, res.Status.Expenses)
	return nil
}

// ReverseBudgetHistory records the reversal of a past year's committed
// total; a corrected one may then be recorded with BudgetHistory.
func (e Env) ReverseBudgetHistory(ctx context.Context, year int, reason string) error {
	res, err := e.budgetUpdate(ctx, year, workflows.UpdateReverseHistory, workflows.ReverseBudgetHistoryInput{Reason: reason, By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%d: committed total %s reversed by %s\n", year, res.Amount, e.By)
	return nil
}

// Zones prints the kept list of zones.
func (e Env) Zones(ctx context.Context) ([]string, error) {
	l, err := activities.LoadZones(ctx, e.DB)
	if err != nil {
		return nil, err
	}
	for _, z := range l.Names() {
		fmt.Fprintln(e.Out, z)
	}
	return l.Names(), nil
}
