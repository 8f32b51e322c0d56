package operations_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/operations"
)

// desk is an officer at work in the tests: it takes files, dates and
// amounts as an officer types them (the starter's job), fills the
// operations Inputs and returns the Results and errors unchanged.
type desk struct {
	svc *operations.Service
	by  operations.Actor
}

// typed is a refusal of text that does not parse, as starter answers it.
func typed(field string, err error) error {
	return &operations.Error{Kind: operations.Refused, Message: field + ": " + err.Error(),
		Problems: []operations.Problem{{Field: field, Reason: err.Error()}}}
}

func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, typed("file", err)
	}
	return b, nil
}

func parseDay(field, s string) (time.Time, error) {
	t, err := callspec.ParseTime(s)
	if err != nil {
		return t, typed(field, err)
	}
	return t, nil
}

func parseCents(field, s string) (money.Cents, error) {
	c, err := money.Parse(s)
	if err != nil {
		return 0, typed(field, err)
	}
	return c, nil
}

type launchOpts struct {
	MaxUpdatesPerRun int
	Now              func() time.Time
}

func (d *desk) Launch(ctx context.Context, path string, o launchOpts) (operations.LaunchResult, error) {
	data, err := readFile(path)
	if err != nil {
		return operations.LaunchResult{}, err
	}
	s := *d.svc
	s.MaxUpdatesPerRun, s.Now = o.MaxUpdatesPerRun, o.Now
	return s.Launch(ctx, d.by, operations.LaunchInput{Call: data, Source: path})
}

func (d *desk) Apply(ctx context.Context, callID, path string) (string, error) {
	data, err := readFile(path)
	if err != nil {
		return "", err
	}
	r, err := d.svc.Apply(ctx, d.by, operations.ApplyInput{CallID: callID, Application: data, Source: path})
	return r.Reference, err
}

func (d *desk) Import(ctx context.Context, callID, path string) (operations.ImportResult, error) {
	data, err := readFile(path)
	if err != nil {
		return operations.ImportResult{}, err
	}
	return d.svc.Import(ctx, d.by, operations.ImportInput{CallID: callID, File: data, Name: path})
}

func (d *desk) Close(ctx context.Context, callID, reason string) (operations.CloseResult, error) {
	return d.svc.Close(ctx, d.by, operations.CloseInput{CallID: callID, Reason: reason})
}

func (d *desk) Extend(ctx context.Context, callID, deadline string) (operations.ExtendResult, error) {
	t, err := parseDay("deadline", deadline)
	if err != nil {
		return operations.ExtendResult{}, err
	}
	return d.svc.Extend(ctx, d.by, operations.ExtendInput{CallID: callID, Deadline: t})
}

func (d *desk) Status(ctx context.Context, callID string, _ bool) (operations.CallStatus, error) {
	return d.svc.Status(ctx, d.by, operations.StatusInput{CallID: callID})
}

func (d *desk) Screen(ctx context.Context, callID, ref string, eligible bool, reason string) error {
	_, err := d.svc.Screen(ctx, d.by, operations.ScreenInput{CallID: callID, Reference: ref, Eligible: eligible, Reason: reason})
	return err
}

func (d *desk) ScreenImport(ctx context.Context, callID, path string) (operations.ImportResult, error) {
	data, err := readFile(path)
	if err != nil {
		return operations.ImportResult{}, err
	}
	return d.svc.ScreenImport(ctx, d.by, operations.ScreenImportInput{CallID: callID, File: data, Name: path})
}

func (d *desk) EndScreening(ctx context.Context, callID string) error {
	_, err := d.svc.EndScreening(ctx, d.by, operations.EndScreeningInput{CallID: callID})
	return err
}

// writeAfter writes what an operation produced once it succeeded.
func writeAfter(path string, b *bytes.Buffer, err error) error {
	if err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o600)
}

func (d *desk) ReviewExport(ctx context.Context, callID, out string) error {
	var b bytes.Buffer
	_, err := d.svc.ReviewExport(ctx, d.by, operations.ReviewExportInput{CallID: callID, Out: &b})
	return writeAfter(out, &b, err)
}

func (d *desk) ReviewImport(ctx context.Context, callID, path string) (operations.Proposal, error) {
	data, err := readFile(path)
	if err != nil {
		return operations.Proposal{}, err
	}
	r, err := d.svc.ReviewImport(ctx, d.by, operations.ReviewImportInput{CallID: callID, Workbook: data, Name: path})
	return r.Proposal, err
}

func (d *desk) ReviewProposal(ctx context.Context, callID, out string) error {
	var b bytes.Buffer
	_, err := d.svc.ReviewProposal(ctx, d.by, operations.ReviewProposalInput{CallID: callID, Out: &b})
	return writeAfter(out, &b, err)
}

func (d *desk) PaymentsExport(ctx context.Context, callID, out string) (operations.PaymentsExportResult, error) {
	var b bytes.Buffer
	r, err := d.svc.PaymentsExport(ctx, d.by, operations.PaymentsExportInput{CallID: callID, Out: &b})
	return r, writeAfter(out, &b, err)
}

// decideOpts: Approve as typed, "REF" or "REF=amount".
type decideOpts struct {
	Decree   string
	All      bool
	Approve  []string
	Override bool
}

func (d *desk) Decide(ctx context.Context, callID string, o decideOpts) (operations.DecideResult, error) {
	in := operations.DecideInput{CallID: callID, Decree: o.Decree, All: o.All, Override: o.Override}
	for _, a := range o.Approve {
		ref, amount, has := strings.Cut(a, "=")
		p := operations.ApproveAmount{Reference: ref}
		if has {
			c, err := parseCents("approve", amount)
			if err != nil {
				return operations.DecideResult{}, err
			}
			p.Amount = &c
		}
		in.Approve = append(in.Approve, p)
	}
	return d.svc.Decide(ctx, d.by, in)
}

func (d *desk) CarryOver(ctx context.Context, callID string, year int) error {
	_, err := d.svc.CarryOver(ctx, d.by, operations.CarryOverInput{CallID: callID, BudgetYear: year})
	return err
}

func (d *desk) Cancel(ctx context.Context, callID, reason string) error {
	_, err := d.svc.Cancel(ctx, d.by, operations.CancelInput{CallID: callID, Reason: reason})
	return err
}

func (d *desk) GovernmentCaretaker(ctx context.Context, since string) error {
	t, err := parseDay("since", since)
	if err != nil {
		return err
	}
	_, err = d.svc.GovernmentCaretaker(ctx, d.by, operations.GovernmentCaretakerInput{Since: t})
	return err
}

func (d *desk) GovernmentInstalled(ctx context.Context, on string) error {
	t, err := parseDay("on", on)
	if err != nil {
		return err
	}
	_, err = d.svc.GovernmentInstalled(ctx, d.by, operations.GovernmentInstalledInput{On: t})
	return err
}

func (d *desk) GovernmentStatus(ctx context.Context) (operations.GovernmentStatusResult, error) {
	return d.svc.GovernmentStatus(ctx, d.by, operations.GovernmentStatusInput{})
}

func (d *desk) GrantSign(ctx context.Context, id, on string) error {
	t, err := parseDay("on", on)
	if err != nil {
		return err
	}
	_, err = d.svc.GrantSign(ctx, d.by, operations.GrantSignInput{GrantID: id, On: t})
	return err
}

func (d *desk) GrantPaid(ctx context.Context, id string, tranche int, on string) error {
	t, err := parseDay("on", on)
	if err != nil {
		return err
	}
	_, err = d.svc.GrantPaid(ctx, d.by, operations.GrantPaidInput{GrantID: id, Tranche: tranche, On: t})
	return err
}

func (d *desk) GrantEndDate(ctx context.Context, id, end string) error {
	t, err := parseDay("end", end)
	if err != nil {
		return err
	}
	_, err = d.svc.GrantEndDate(ctx, d.by, operations.GrantEndDateInput{GrantID: id, End: t})
	return err
}

type reportOpts struct {
	Beneficiaries int
	Spent         string
	Lessons       string
}

func (d *desk) GrantReport(ctx context.Context, id string, o reportOpts) error {
	c, err := parseCents("spent", o.Spent)
	if err != nil {
		return err
	}
	_, err = d.svc.GrantReport(ctx, d.by, operations.GrantReportInput{GrantID: id, Beneficiaries: o.Beneficiaries, Spent: c, Lessons: o.Lessons})
	return err
}

func (d *desk) GrantReview(ctx context.Context, id string, approve bool, revise, due string) error {
	in := operations.GrantReviewInput{GrantID: id, Approve: approve, Revise: revise}
	if due != "" {
		t, err := parseDay("due", due)
		if err != nil {
			return err
		}
		in.Due = t
	}
	_, err := d.svc.GrantReview(ctx, d.by, in)
	return err
}

func (d *desk) GrantStatus(ctx context.Context, id string) (operations.GrantStatus, error) {
	return d.svc.GrantStatus(ctx, d.by, operations.GrantStatusInput{GrantID: id})
}

type directOpts struct {
	Year                                  int
	Support, Programme, Operator, Project string
	Zone, Amount, DecidedOn               string
}

func (d *desk) DirectGrant(ctx context.Context, o directOpts) error {
	c, err := parseCents("amount", o.Amount)
	if err != nil {
		return err
	}
	on, err := parseDay("decided_on", o.DecidedOn)
	if err != nil {
		return err
	}
	_, err = d.svc.DirectGrant(ctx, d.by, operations.DirectGrantInput{Year: o.Year, Support: o.Support, Programme: o.Programme,
		Operator: o.Operator, Project: o.Project, Zone: o.Zone, Amount: c, DecidedOn: on})
	return err
}

type expenseOpts struct {
	Year                                               int
	Invoice, Supplier, Description, Zone, Amount, Date string
}

func (d *desk) Expense(ctx context.Context, o expenseOpts) error {
	c, err := parseCents("amount", o.Amount)
	if err != nil {
		return err
	}
	on, err := parseDay("invoiced_on", o.Date)
	if err != nil {
		return err
	}
	_, err = d.svc.Expense(ctx, d.by, operations.ExpenseInput{Year: o.Year, Invoice: o.Invoice, Supplier: o.Supplier,
		Description: o.Description, Zone: o.Zone, Amount: c, InvoicedOn: on})
	return err
}

func (d *desk) BudgetHistory(ctx context.Context, year int, committed, source string) error {
	c, err := parseCents("committed", committed)
	if err != nil {
		return err
	}
	_, err = d.svc.BudgetHistory(ctx, d.by, operations.BudgetHistoryInput{Year: year, Committed: c, Source: source})
	return err
}

func (d *desk) ReverseExpense(ctx context.Context, year int, invoice, reason string) error {
	_, err := d.svc.ReverseExpense(ctx, d.by, operations.ReverseExpenseInput{Year: year, Invoice: invoice, Reason: reason})
	return err
}

func (d *desk) ReverseDirectGrant(ctx context.Context, year int, operator, project, reason string) error {
	_, err := d.svc.ReverseDirectGrant(ctx, d.by, operations.ReverseDirectGrantInput{Year: year, Operator: operator, Project: project, Reason: reason})
	return err
}

func (d *desk) ReverseBudgetHistory(ctx context.Context, year int, reason string) error {
	_, err := d.svc.ReverseBudgetHistory(ctx, d.by, operations.ReverseBudgetHistoryInput{Year: year, Reason: reason})
	return err
}

func (d *desk) Zones(ctx context.Context) ([]string, error) {
	r, err := d.svc.Zones(ctx, d.by, operations.ZonesInput{})
	return r.Zones, err
}

func (d *desk) AnnualReport(ctx context.Context, year int, out string) (operations.AnnualReportResult, error) {
	r, err := d.svc.AnnualReport(ctx, d.by, operations.AnnualReportInput{Year: year})
	if err != nil || out == "" {
		return r, err
	}
	data, err := os.ReadFile(r.Path)
	if err == nil {
		err = os.WriteFile(filepath.Clean(out), data, 0o600)
	}
	return r, err
}
