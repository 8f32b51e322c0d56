package demo

// This file is the replay's only way to the officer actions: moving the
// demo onto another operations layer changes this file alone.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// New is a replay through the officer actions of env, on env's Temporal
// namespace and database. Its progress goes to env.Out; the actions
// themselves print nothing but the annual report. Its scratch files go
// under work ("": a directory of its own under the system's).
func New(env officer.Env, data, work string) (*Replay, error) {
	if work == "" {
		d, err := os.MkdirTemp("", "callcycle-demo-")
		if err != nil {
			return nil, err
		}
		work = d
	}
	quiet := env
	quiet.Out, quiet.Progress = io.Discard, nil
	return &Replay{Data: data, Work: work, Out: env.Out, act: actions{quiet: quiet, loud: env}, db: env.DB, tc: env.Temporal}, nil
}

// actions are the officer actions the replay takes.
type actions struct {
	quiet officer.Env // every action but the report
	loud  officer.Env // the annual report, printed
}

// usage is a refusal of the demo's input (exit code 2 in the CLI).
func usage(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{officer.ErrUsage}, args...)...)
}

// ensureGovernment installs the government entity of a new world.
func ensureGovernment(ctx context.Context, c client.Client) error {
	return officer.EnsureGovernment(ctx, c)
}

func (a actions) launch(ctx context.Context, path string) error {
	_, err := a.quiet.Launch(ctx, path, officer.LaunchOptions{})
	return err
}

// importApplications imports the file and returns the rows refused.
func (a actions) importApplications(ctx context.Context, callID, path string) ([]string, error) {
	res, err := a.quiet.Import(ctx, callID, path)
	var refused []string
	for _, r := range res.Rejected {
		refused = append(refused, fmt.Sprintf("row %d: %s", r.Row, r.Reason))
	}
	return refused, err
}

func (a actions) close(ctx context.Context, callID, reason string) error {
	_, err := a.quiet.Close(ctx, callID, reason)
	return err
}

func (a actions) endScreening(ctx context.Context, callID string) error {
	return a.quiet.EndScreening(ctx, callID)
}

func (a actions) exportScores(ctx context.Context, callID, book string) error {
	return a.quiet.ReviewExport(ctx, callID, book)
}

// importScores returns how many projects the committee proposes, for how much.
func (a actions) importScores(ctx context.Context, callID, book string) (int, money.Cents, error) {
	p, err := a.quiet.ReviewImport(ctx, callID, book)
	return p.Selected, p.SelectedTotal, err
}

// decide approves the committee's proposal as it stands.
func (a actions) decide(ctx context.Context, callID, decree string) error {
	_, err := a.quiet.Decide(ctx, callID, officer.DecideOptions{Decree: decree, All: true})
	return err
}

func (a actions) caretaker(ctx context.Context, since string) error {
	return a.quiet.GovernmentCaretaker(ctx, since)
}

func (a actions) sign(ctx context.Context, grantID, on string) error {
	return a.quiet.GrantSign(ctx, grantID, on)
}

func (a actions) paid(ctx context.Context, grantID string, tranche int, on string) error {
	return a.quiet.GrantPaid(ctx, grantID, tranche, on)
}

func (a actions) endDate(ctx context.Context, grantID string, end time.Time) error {
	return a.quiet.GrantEndDate(ctx, grantID, end.Format(time.RFC3339))
}

func (a actions) report(ctx context.Context, grantID string, beneficiaries int, spent money.Cents, lessons string) error {
	return a.quiet.GrantReport(ctx, grantID, officer.GrantReportOptions{Beneficiaries: beneficiaries, Spent: spent.String(), Lessons: lessons})
}

func (a actions) approve(ctx context.Context, grantID string) error {
	return a.quiet.GrantReview(ctx, grantID, true, "", "")
}

// directGrant records a row of direct-grants-2024.csv: support;
// programme; operator; project; zone; amount; decided on.
func (a actions) directGrant(ctx context.Context, year int, g []string) error {
	return a.quiet.DirectGrant(ctx, officer.DirectGrantOptions{Year: year, Support: g[0], Programme: g[1], Operator: g[2],
		Project: g[3], Zone: g[4], Amount: g[5], DecidedOn: g[6]})
}

// expense records a row of expenses-2024.csv: invoice; supplier;
// description; zone; amount; date.
func (a actions) expense(ctx context.Context, year int, x []string) error {
	return a.quiet.Expense(ctx, officer.ExpenseOptions{Year: year, Invoice: x[0], Supplier: x[1], Description: x[2], Zone: x[3], Amount: x[4], Date: x[5]})
}

func (a actions) budgetHistory(ctx context.Context, year int, committed, source string) error {
	return a.quiet.BudgetHistory(ctx, year, committed, source)
}

func (a actions) annualReport(ctx context.Context, year int, out string) (workflows.AnnualReportResult, error) {
	return a.loud.AnnualReport(ctx, year, out)
}

// newInWorld is a replay on the demo world's own client and database.
func newInWorld(c client.Client, db *pgxpool.Pool, out io.Writer, by, data string) (*Replay, error) {
	return New(officer.Env{Temporal: c, DB: db, Out: out, By: by}, data, "")
}

// Refused says whether the officer actions refused the input: final, not
// a fault (the fault run gives up on it).
func Refused(err error) bool { return errors.Is(err, officer.ErrUsage) }

// WrongStage says whether an action was refused because the call or grant
// is not at the step it needs yet: the workflows catch up by themselves.
func WrongStage(err error) bool { return operations.KindOf(err) == operations.WrongStage }
