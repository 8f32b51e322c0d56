package demo

// This file is the replay's only way to the officer actions: the
// operations package, with the typed Inputs the steps fill.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callcycle/callcycle/internal/annual"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/xlsx"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// Env is what a replay acts on: a Temporal namespace with a worker, its
// database, where the replay reports, and who acts.
type Env struct {
	Temporal client.Client
	DB       *pgxpool.Pool
	Out      io.Writer // one line a step, and the annual report's figures
	By       string    // the officer, recorded with every change
	// FourEyes: the decisions and payments wait for a second person, as
	// the portal has them (operations.AlwaysFourEyes): the officer
	// proposes each decision and SecondOfficer approves it; Finance
	// confirms each payment and SecondFinance approves it. Off, By does
	// all (and workers of builds before four-eyes can run the replay).
	FourEyes                              bool
	SecondOfficer, Finance, SecondFinance string
}

// Office is the demo office's people, as `starter demo` replays 2024
// with them (the local stack's demo people): who did each step is in
// the audit log.
var Office = Env{By: "Awa Diallo", FourEyes: true, SecondOfficer: "Pieter Janssens", Finance: "Fatou Ndiaye", SecondFinance: "Marc Dubois"}

// New is a replay through the officer actions on env's Temporal
// namespace and database. Its progress goes to env.Out; the actions
// themselves print nothing but the annual report. Its scratch files go
// under work ("": a directory of its own under the system's).
func New(env Env, data, work string) (*Replay, error) {
	if work == "" {
		d, err := os.MkdirTemp("", "callcycle-demo-")
		if err != nil {
			return nil, err
		}
		work = d
	}
	act := actions{svc: &operations.Service{Temporal: env.Temporal, DB: env.DB}, by: operations.Actor{Name: env.By}, out: env.Out}
	if env.FourEyes {
		act.svc.FourEyes = operations.AlwaysFourEyes
		act.second = operations.Actor{Name: env.SecondOfficer, Role: "officer"}
		act.finance = operations.Actor{Name: env.Finance, Role: "finance"}
		act.finance2 = operations.Actor{Name: env.SecondFinance, Role: "finance"}
	}
	return &Replay{Data: data, Work: work, Out: env.Out, act: act, db: env.DB, tc: env.Temporal}, nil
}

// actions are the officer actions the replay takes.
type actions struct {
	svc *operations.Service
	by  operations.Actor
	out io.Writer // the annual report's figures
	// With four-eyes (Env.FourEyes): who approves decisions, and who
	// confirms and approves payments.
	second, finance, finance2 operations.Actor
}

// waits says whether action already waits for a second person in
// pending: an earlier attempt's proposal, whose answer a fault lost.
func waits(pending []operations.PendingApproval, action string) bool {
	for _, p := range pending {
		if p.Action == action {
			return true
		}
	}
	return false
}

// usage is a refusal of the demo's input: an operations refusal, so that
// the CLI (exit code 2) and the fault run (Refused) treat it as they
// treat the actions' own.
func usage(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &operations.Error{Kind: operations.Refused, Message: msg, Problems: []operations.Problem{{Reason: msg}}}
}

// done: ending what has ended already (a replay resumed after the
// action went through) is a success.
func done(err error) error {
	if operations.KindOf(err) == operations.AlreadyDone {
		return nil
	}
	return err
}

// launch launches the call from its configuration; source names it in
// messages.
func (a actions) launch(ctx context.Context, source string, call []byte) error {
	_, err := a.svc.Launch(ctx, a.by, operations.LaunchInput{Call: call, Source: source})
	return err
}

// importApplications imports the file and returns the rows refused.
func (a actions) importApplications(ctx context.Context, callID, path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	res, err := a.svc.Import(ctx, a.by, operations.ImportInput{CallID: callID, File: data, Name: filepath.Base(path)})
	var refused []string
	for _, r := range res.Rejected {
		refused = append(refused, fmt.Sprintf("row %d: %s", r.Row, r.Reason))
	}
	return refused, err
}

func (a actions) close(ctx context.Context, callID, reason string) error {
	_, err := a.svc.Close(ctx, a.by, operations.CloseInput{CallID: callID, Reason: reason})
	return done(err)
}

func (a actions) endScreening(ctx context.Context, callID string) error {
	_, err := a.svc.EndScreening(ctx, a.by, operations.EndScreeningInput{CallID: callID})
	return done(err)
}

// exportScores writes the call's scoring workbook to book.
func (a actions) exportScores(ctx context.Context, callID, book string) error {
	f, err := os.Create(book)
	if err != nil {
		return err
	}
	_, err = a.svc.ReviewExport(ctx, a.by, operations.ReviewExportInput{CallID: callID, Out: f})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// importScores returns how many projects the committee proposes, for how much.
func (a actions) importScores(ctx context.Context, callID, book string) (int, money.Cents, error) {
	data, err := os.ReadFile(book)
	if err != nil {
		return 0, 0, err
	}
	r, err := a.svc.ReviewImport(ctx, a.by, operations.ReviewImportInput{CallID: callID, Workbook: data, Name: book})
	return r.Proposal.Selected, money.Cents(r.Proposal.SelectedTotal.Cents), err
}

// decide approves the committee's proposal as it stands.
// With four-eyes the officer proposes it (unless an earlier attempt did)
// and the second officer approves it.
func (a actions) decide(ctx context.Context, callID, decree string) error {
	if a.svc.FourEyes == nil {
		_, err := a.svc.Decide(ctx, a.by, operations.DecideInput{CallID: callID, Decree: decree, All: true})
		return err
	}
	st, err := a.svc.Status(ctx, a.by, operations.StatusInput{CallID: callID})
	if err != nil {
		return err
	}
	if !waits(st.Approvals, "call.decide") {
		if _, err := a.svc.Decide(ctx, a.by, operations.DecideInput{CallID: callID, Decree: decree, All: true}); err != nil {
			return err
		}
	}
	_, err = a.svc.Approve(ctx, a.second, operations.ApprovalInput{Target: callID, Action: "call.decide"})
	return err
}

func (a actions) caretaker(ctx context.Context, since time.Time) error {
	_, err := a.svc.GovernmentCaretaker(ctx, a.by, operations.GovernmentCaretakerInput{Since: since})
	return err
}

func (a actions) sign(ctx context.Context, grantID string, on time.Time) error {
	_, err := a.svc.GrantSign(ctx, a.by, operations.GrantSignInput{GrantID: grantID, On: on})
	return err
}

// paid confirms a tranche: with four-eyes, finance proposes it (unless
// an earlier attempt did) and the second finance person approves it.
func (a actions) paid(ctx context.Context, grantID string, tranche int, on time.Time) error {
	in := operations.GrantPaidInput{GrantID: grantID, Tranche: tranche, On: on}
	if a.svc.FourEyes == nil {
		_, err := a.svc.GrantPaid(ctx, a.by, in)
		return err
	}
	st, err := a.svc.GrantStatus(ctx, a.finance, operations.GrantStatusInput{GrantID: grantID})
	if err != nil {
		return err
	}
	if !waits(st.Approvals, "grant.paid") {
		if _, err := a.svc.GrantPaid(ctx, a.finance, in); err != nil {
			return err
		}
	}
	_, err = a.svc.Approve(ctx, a.finance2, operations.ApprovalInput{Target: grantID, Action: "grant.paid"})
	return err
}

func (a actions) endDate(ctx context.Context, grantID string, end time.Time) error {
	_, err := a.svc.GrantEndDate(ctx, a.by, operations.GrantEndDateInput{GrantID: grantID, End: end})
	return err
}

func (a actions) report(ctx context.Context, grantID string, beneficiaries int, spent money.Cents, lessons string) error {
	_, err := a.svc.GrantReport(ctx, a.by, operations.GrantReportInput{GrantID: grantID, Beneficiaries: beneficiaries, Spent: spent, Lessons: lessons})
	return err
}

// approve approves the final report (the replay never asks a revision).
func (a actions) approve(ctx context.Context, grantID string) error {
	_, err := a.svc.GrantReview(ctx, a.by, operations.GrantReviewInput{GrantID: grantID, Approve: true})
	return err
}

func (a actions) directGrant(ctx context.Context, in operations.DirectGrantInput) error {
	_, err := a.svc.DirectGrant(ctx, a.by, in)
	return err
}

func (a actions) expense(ctx context.Context, in operations.ExpenseInput) error {
	_, err := a.svc.Expense(ctx, a.by, in)
	return err
}

func (a actions) budgetHistory(ctx context.Context, in operations.BudgetHistoryInput) error {
	_, err := a.svc.BudgetHistory(ctx, a.by, in)
	return err
}

// annualReport writes the year's annual report, copies the workbook to
// out when given and prints its totals (the replay's last step). The
// result is the workflow's, which the fault run compares to the cent.
func (a actions) annualReport(ctx context.Context, year int, out string) (workflows.AnnualReportResult, error) {
	r, err := a.svc.AnnualReport(ctx, a.by, operations.AnnualReportInput{Year: year})
	if err != nil {
		return workflows.AnnualReportResult{}, err
	}
	path := r.Path
	if out != "" {
		if err := copyFile(r.Path, out); err != nil {
			return workflows.AnnualReportResult{}, err
		}
		path = out
	}
	fmt.Fprintf(a.out, "annual report %d: %s committed, written to %s\n", year, r.Total.Text, path)
	for _, l := range r.ByKind {
		fmt.Fprintf(a.out, "  %-28s %14s %4d %%\n", l.Label, l.Amount.Text, l.Percent)
	}
	for _, l := range r.ByZone {
		fmt.Fprintf(a.out, "  %-40s %14s %4d %%\n", l.Label, l.Amount.Text, l.Percent)
	}
	return workflowReport(r), nil
}

// workflowReport is the workflow's result that r was made from
// (operations.AnnualReportOf keeps every figure).
func workflowReport(r operations.AnnualReportResult) workflows.AnnualReportResult {
	w := workflows.AnnualReportResult{Path: r.Path, Total: money.Cents(r.Total.Cents)}
	for _, l := range r.ByKind {
		w.ByKind = append(w.ByKind, annual.Line{Label: l.Label, Amount: money.Cents(l.Amount.Cents)})
		w.KindPercent = append(w.KindPercent, l.Percent)
	}
	for _, l := range r.ByZone {
		w.ByZone = append(w.ByZone, annual.Line{Label: l.Label, Amount: money.Cents(l.Amount.Cents)})
		w.ZonePercent = append(w.ZonePercent, l.Percent)
	}
	return w
}

// newInWorld is a replay on the demo world's own client and database.
// people names who acts (Env's By and, with FourEyes, the others).
func newInWorld(c client.Client, db *pgxpool.Pool, out io.Writer, people Env, data string) (*Replay, error) {
	people.Temporal, people.DB, people.Out = c, db, out
	return New(people, data, "")
}

// Refused says whether the input was refused (by the demo or by an
// officer action: a rule broken, something not found, ended, or not at
// the step the action needs): final, not a fault (the fault run gives up
// on it unless WrongStage says to wait).
func Refused(err error) bool {
	switch operations.KindOf(err) {
	case operations.Refused, operations.NotFound, operations.Ended, operations.WrongStage:
		return true
	}
	return false
}

// WrongStage says whether an action was refused because the call or grant
// is not at the step it needs yet: the workflows catch up by themselves.
func WrongStage(err error) bool { return operations.KindOf(err) == operations.WrongStage }

// copyFile is xlsx.Copy with a destination that cannot be written
// answered as refused input.
func copyFile(from, to string) error {
	err := xlsx.Copy(from, to)
	if errors.Is(err, xlsx.ErrDestination) {
		return usage("%v", err)
	}
	return err
}
