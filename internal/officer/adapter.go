// Package officer is the adapter the 2024 demo (internal/demo, through
// its one file officer.go) and the end-to-end tests here drive the
// operations package through: the officer actions with the arguments the
// demo passes (file paths, dates and amounts as text). Everything else
// calls internal/operations directly.
package officer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Env is what every action needs.
type Env struct {
	Temporal client.Client
	DB       *pgxpool.Pool
	Out      io.Writer // the annual report's summary
	Progress io.Writer // unused; kept for the demo's callers
	By       string    // the officer, recorded with every change
}

// ErrUsage marks refused input (the operations kinds refused, not found,
// ended and wrong stage).
var ErrUsage = errors.New("invalid input")

// ErrAlreadyDone: what was asked to end had already ended.
var ErrAlreadyDone = errors.New("nothing to do")

// ImportBatch is operations.ImportBatch.
const ImportBatch = operations.ImportBatch

// EnsureGovernment starts the government entity workflow unless it runs.
func EnsureGovernment(ctx context.Context, c client.Client) error {
	return operations.EnsureGovernment(ctx, c)
}

func (e Env) svc() *operations.Service { return &operations.Service{Temporal: e.Temporal, DB: e.DB} }
func (e Env) by() operations.Actor     { return operations.Actor{Name: e.By} }

// wrap keeps the demo's and the fault run's tests of errors.Is(ErrUsage).
func wrap(err error) error {
	switch operations.KindOf(err) {
	case operations.Refused, operations.NotFound, operations.Ended, operations.WrongStage:
		return fmt.Errorf("%w: %w", ErrUsage, err)
	case operations.AlreadyDone:
		return fmt.Errorf("%w: %w", ErrAlreadyDone, err)
	}
	return err
}

// quiet: what ending something already ended answers is a success.
func quiet(err error) error {
	if operations.KindOf(err) == operations.AlreadyDone {
		return nil
	}
	return wrap(err)
}

func usage(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}

func read(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usage("%v", err)
	}
	return b, nil
}

func day(flag, s string) (t time.Time, err error) {
	if t, err = callspec.ParseTime(s); err != nil {
		return t, usage("%s: %v", flag, err)
	}
	return t, nil
}

// LaunchOptions tune a launch.
type LaunchOptions struct {
	MaxUpdatesPerRun int
}

// ImportResult is the per-row outcome of a bulk import.
type ImportResult = operations.ImportResult

// Launch starts a call from its configuration file.
func (e Env) Launch(ctx context.Context, path string, o LaunchOptions) (operations.LaunchResult, error) {
	data, err := read(path)
	if err != nil {
		return operations.LaunchResult{}, err
	}
	s := e.svc()
	s.MaxUpdatesPerRun = o.MaxUpdatesPerRun
	r, err := s.Launch(ctx, e.by(), operations.LaunchInput{Call: data, Source: path})
	return r, wrap(err)
}

// Import submits a bulk file of applications.
func (e Env) Import(ctx context.Context, callID, path string) (ImportResult, error) {
	data, err := read(path)
	if err != nil {
		return ImportResult{}, err
	}
	r, err := e.svc().Import(ctx, e.by(), operations.ImportInput{CallID: callID, File: data, Name: filepath.Base(path)})
	return r, wrap(err)
}

// Close ends the submission window.
func (e Env) Close(ctx context.Context, callID, reason string) (operations.CloseResult, error) {
	r, err := e.svc().Close(ctx, e.by(), operations.CloseInput{CallID: callID, Reason: reason})
	return r, quiet(err)
}

// EndScreening ends screening.
func (e Env) EndScreening(ctx context.Context, callID string) error {
	_, err := e.svc().EndScreening(ctx, e.by(), operations.EndScreeningInput{CallID: callID})
	return quiet(err)
}

// Status queries a call, as the workflow answers (asJSON is ignored:
// nothing is printed).
func (e Env) Status(ctx context.Context, callID string, _ bool) (workflows.StatusResult, error) {
	var s workflows.StatusResult
	v, err := e.Temporal.QueryWorkflow(ctx, workflows.CallWorkflowID(callID), "", workflows.QueryStatus, workflows.StatusQuery{})
	if err != nil {
		// Asked again through operations for the error's kind and words.
		if _, err2 := e.svc().Status(ctx, e.by(), operations.StatusInput{CallID: callID}); err2 != nil {
			err = err2
		}
		return s, wrap(err)
	}
	return s, v.Get(&s)
}

// ReviewExport writes the scoring workbook to out.
func (e Env) ReviewExport(ctx context.Context, callID, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return usage("%v", err)
	}
	_, err = e.svc().ReviewExport(ctx, e.by(), operations.ReviewExportInput{CallID: callID, Out: f})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return wrap(err)
}

// Proposal is what the demo prints of a proposal.
type Proposal struct {
	Ranked, Selected int
	SelectedTotal    money.Cents
}

// ReviewImport hands the filled scoring workbook to the call.
func (e Env) ReviewImport(ctx context.Context, callID, path string) (Proposal, error) {
	data, err := read(path)
	if err != nil {
		return Proposal{}, err
	}
	r, err := e.svc().ReviewImport(ctx, e.by(), operations.ReviewImportInput{CallID: callID, Workbook: data, Name: path})
	p := r.Proposal
	return Proposal{Ranked: p.Ranked, Selected: p.Selected, SelectedTotal: money.Cents(p.SelectedTotal.Cents)}, wrap(err)
}

// DecideOptions is the decision: the proposal as it stands (All).
type DecideOptions struct {
	Decree string
	All    bool
}

// Decide enters the government's decision.
func (e Env) Decide(ctx context.Context, callID string, o DecideOptions) (operations.DecideResult, error) {
	r, err := e.svc().Decide(ctx, e.by(), operations.DecideInput{CallID: callID, Decree: o.Decree, All: o.All})
	return r, wrap(err)
}

// GovernmentCaretaker records caretaker mode since a date.
func (e Env) GovernmentCaretaker(ctx context.Context, since string) error {
	t, err := day("--since", since)
	if err != nil {
		return err
	}
	_, err = e.svc().GovernmentCaretaker(ctx, e.by(), operations.GovernmentCaretakerInput{Since: t})
	return wrap(err)
}

// GovernmentInstalled ends caretaker mode.
func (e Env) GovernmentInstalled(ctx context.Context, on string) error {
	t, err := day("--on", on)
	if err != nil {
		return err
	}
	_, err = e.svc().GovernmentInstalled(ctx, e.by(), operations.GovernmentInstalledInput{On: t})
	return wrap(err)
}

// GovernmentStatus is the government's status.
func (e Env) GovernmentStatus(ctx context.Context) (operations.GovernmentStatusResult, error) {
	r, err := e.svc().GovernmentStatus(ctx, e.by(), operations.GovernmentStatusInput{})
	return r, wrap(err)
}

// GrantSign records the signed agreement.
func (e Env) GrantSign(ctx context.Context, grantID, on string) error {
	t, err := day("--on", on)
	if err != nil {
		return err
	}
	_, err = e.svc().GrantSign(ctx, e.by(), operations.GrantSignInput{GrantID: grantID, On: t})
	return wrap(err)
}

// GrantPaid confirms a tranche's execution.
func (e Env) GrantPaid(ctx context.Context, grantID string, tranche int, on string) error {
	t, err := day("--on", on)
	if err != nil {
		return err
	}
	_, err = e.svc().GrantPaid(ctx, e.by(), operations.GrantPaidInput{GrantID: grantID, Tranche: tranche, On: t})
	return wrap(err)
}

// GrantEndDate moves the project's end.
func (e Env) GrantEndDate(ctx context.Context, grantID, end string) error {
	t, err := day("end date", end)
	if err != nil {
		return err
	}
	_, err = e.svc().GrantEndDate(ctx, e.by(), operations.GrantEndDateInput{GrantID: grantID, End: t})
	return wrap(err)
}

// GrantReportOptions is the final report's data.
type GrantReportOptions struct {
	Beneficiaries int
	Spent         string
	Lessons       string
}

// GrantReport records the final report.
func (e Env) GrantReport(ctx context.Context, grantID string, o GrantReportOptions) error {
	spent, err := money.Parse(o.Spent)
	if err != nil {
		return usage("--spent: %v", err)
	}
	_, err = e.svc().GrantReport(ctx, e.by(), operations.GrantReportInput{GrantID: grantID, Beneficiaries: o.Beneficiaries, Spent: spent, Lessons: o.Lessons})
	return wrap(err)
}

// GrantReview approves the final report (the demo never asks a revision).
func (e Env) GrantReview(ctx context.Context, grantID string, approve bool, revise, due string) error {
	in := operations.GrantReviewInput{GrantID: grantID, Approve: approve, Revise: revise}
	if !approve {
		t, err := day("--due", due)
		if err != nil {
			return err
		}
		in.Due = t
	}
	_, err := e.svc().GrantReview(ctx, e.by(), in)
	return wrap(err)
}

// DirectGrantOptions describe a grant decided outside a call.
type DirectGrantOptions struct {
	Year                                  int
	Support, Programme, Operator, Project string
	Zone, Amount, DecidedOn               string
}

// DirectGrant records a grant outside a call.
func (e Env) DirectGrant(ctx context.Context, o DirectGrantOptions) error {
	amount, err := money.Parse(o.Amount)
	if err != nil {
		return usage("--amount: %v", err)
	}
	on, err := day("--decided", o.DecidedOn)
	if err != nil {
		return err
	}
	_, err = e.svc().DirectGrant(ctx, e.by(), operations.DirectGrantInput{Year: o.Year, Support: o.Support, Programme: o.Programme,
		Operator: o.Operator, Project: o.Project, Zone: o.Zone, Amount: amount, DecidedOn: on})
	return wrap(err)
}

// ExpenseOptions describe an operating-cost invoice.
type ExpenseOptions struct {
	Year                                               int
	Invoice, Supplier, Description, Zone, Amount, Date string
}

// Expense records an operating-cost invoice.
func (e Env) Expense(ctx context.Context, o ExpenseOptions) error {
	amount, err := money.Parse(o.Amount)
	if err != nil {
		return usage("--amount: %v", err)
	}
	on, err := day("--date", o.Date)
	if err != nil {
		return err
	}
	_, err = e.svc().Expense(ctx, e.by(), operations.ExpenseInput{Year: o.Year, Invoice: o.Invoice, Supplier: o.Supplier,
		Description: o.Description, Zone: o.Zone, Amount: amount, InvoicedOn: on})
	return wrap(err)
}

// BudgetHistory records a past year's committed total.
func (e Env) BudgetHistory(ctx context.Context, year int, committed, source string) error {
	amount, err := money.Parse(committed)
	if err != nil {
		return usage("--committed: %v", err)
	}
	_, err = e.svc().BudgetHistory(ctx, e.by(), operations.BudgetHistoryInput{Year: year, Committed: amount, Source: source})
	return wrap(err)
}

// AnnualReport runs the annual-report workflow, copies the workbook to
// out when given and prints its totals (the demo's last step).
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
