package officer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// EnsureAnnualSchedule creates the yearly annual-report schedule, or
// brings its spec in line with the configuration. The worker calls it at
// start.
func EnsureAnnualSchedule(ctx context.Context, c client.Client, at config.AnnualSchedule) error {
	spec := client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Month:      []client.ScheduleRange{{Start: at.Month}},
			DayOfMonth: []client.ScheduleRange{{Start: at.Day}},
			Hour:       []client.ScheduleRange{{Start: at.Hour}},
			Minute:     []client.ScheduleRange{{Start: at.Minute}},
			Second:     []client.ScheduleRange{{Start: 0}},
			Comment:    "annual report of the year that ended",
		}},
		TimeZoneName: "Europe/Brussels",
	}
	action := &client.ScheduleWorkflowAction{
		ID: "annual-report-scheduled", Workflow: workflows.AnnualReportWorkflowName,
		Args: []any{workflows.AnnualReportInput{}}, TaskQueue: workflows.TaskQueue,
	}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: workflows.AnnualReportScheduleID, Spec: spec, Action: action,
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    "Writes the annual report workbook of the year that ended.",
	})
	var exists *serviceerror.AlreadyExists
	if err == nil || !errors.As(err, &exists) && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("annual report schedule: %w", err)
		}
		return nil
	}
	h := c.ScheduleClient().GetHandle(ctx, workflows.AnnualReportScheduleID)
	return h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		in.Description.Schedule.Spec = &spec
		in.Description.Schedule.Action = action
		return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
	}})
}

// AnnualReport runs the annual-report workflow for a year, waits for the
// workbook and copies it to out when given.
func (e Env) AnnualReport(ctx context.Context, year int, out string) (workflows.AnnualReportResult, error) {
	var res workflows.AnnualReportResult
	if year < 2000 || year > 2100 {
		return res, usage("year: want a year such as 2024, got %d", year)
	}
	run, err := e.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.AnnualReportWorkflowID(year), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            fmt.Sprintf("Annual report %d", year),
	}, workflows.AnnualReportWorkflowName, workflows.AnnualReportInput{Year: year})
	if err != nil {
		return res, err
	}
	if err := run.Get(ctx, &res); err != nil {
		return res, err
	}
	path := res.Path
	if out != "" {
		if err := copyFile(res.Path, out); err != nil {
			return res, err
		}
		path = out
	}
	fmt.Fprintf(e.Out, "annual report %d: %s committed, written to %s\n", year, res.Total, path)
	for i, l := range res.ByKind {
		fmt.Fprintf(e.Out, "  %-28s %14s %4d %%\n", l.Label, l.Amount, res.KindPercent[i])
	}
	for i, l := range res.ByZone {
		fmt.Fprintf(e.Out, "  %-40s %14s %4d %%\n", l.Label, l.Amount, res.ZonePercent[i])
	}
	return res, nil
}

func copyFile(from, to string) error {
	// The worker may have written the very file asked for (same OUTPUT_DIR).
	if a, err := os.Stat(from); err == nil {
		if b, err := os.Stat(to); err == nil && os.SameFile(a, b) {
			return nil
		}
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return usage("%v", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// DirectGrantOptions describe a grant decided outside a call.
type DirectGrantOptions struct {
	Year                                  int
	Support, Programme, Operator, Project string
	Zone, Amount, DecidedOn               string
}

// DirectGrant records a grant outside a call (or emergency aid).
func (e Env) DirectGrant(ctx context.Context, o DirectGrantOptions) error {
	amount, err := parseAmount(o.Amount)
	if err != nil {
		return err
	}
	on, err := callspec.ParseTime(o.DecidedOn)
	if err != nil {
		return usage("--decided: %v", err)
	}
	res, err := e.budgetUpdate(ctx, o.Year, workflows.UpdateDirectGrant, workflows.DirectGrantInput{Support: o.Support, Programme: o.Programme,
		Operator: o.Operator, Project: o.Project, Zone: o.Zone, Amount: amount, DecidedOn: startOfDay(on), By: e.By})
	if err != nil {
		return err
	}
	st := res.Status
	fmt.Fprintf(e.Out, "%d: %s — %s, %s recorded (%s, %s); outside calls now %s, emergency aid %s\n",
		o.Year, o.Operator, o.Project, amount, o.Support, res.Zone, st.DirectGrants, st.Emergency)
	return nil
}

// ExpenseOptions describe an operating-cost invoice.
type ExpenseOptions struct {
	Year                                               int
	Invoice, Supplier, Description, Zone, Amount, Date string
}

// Expense records an operating-cost invoice charged to a zone.
func (e Env) Expense(ctx context.Context, o ExpenseOptions) error {
	amount, err := parseAmount(o.Amount)
	if err != nil {
		return err
	}
	on, err := callspec.ParseTime(o.Date)
	if err != nil {
		return usage("--date: %v", err)
	}
	res, err := e.budgetUpdate(ctx, o.Year, workflows.UpdateExpense, workflows.ExpenseInput{Invoice: o.Invoice, Supplier: o.Supplier,
		Description: o.Description, Zone: o.Zone, Amount: amount, InvoicedOn: startOfDay(on), By: e.By})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%d: invoice %s (%s, %s) recorded; operating costs now %s\n", o.Year, o.Invoice, res.Zone, amount, res.Status.Expenses)
	return nil
}

// BudgetHistory records a past year's committed total.
func (e Env) BudgetHistory(ctx context.Context, year int, committed, source string) error {
	amount, err := money.Parse(committed)
	if err != nil {
		return usage("--committed: %v", err)
	}
	if _, err := e.budgetUpdate(ctx, year, workflows.UpdateBudgetHistory, workflows.BudgetHistoryInput{Committed: amount, Source: source, By: e.By}); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%d: committed total %s recorded (%s)\n", year, amount, source)
	return nil
}

func parseAmount(s string) (money.Cents, error) {
	a, err := money.Parse(s)
	if err != nil {
		return 0, usage("--amount: %v", err)
	}
	return a, nil
}
