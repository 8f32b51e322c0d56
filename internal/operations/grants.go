package operations

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/payorder"
	"github.com/callcycle/callcycle/workflows"
)

// GrantStatus is where a grant stands.
type GrantStatus struct {
	GrantID    string            `json:"grant_id"`
	CallID     string            `json:"call_id"`
	Reference  string            `json:"reference"`
	Stage      string            `json:"stage"`
	WaitingFor string            `json:"waiting_for"`
	Amount     Money             `json:"amount"`
	Ordered    Money             `json:"ordered"`
	Paid       Money             `json:"paid"`
	Recovery   Money             `json:"recovery"`
	SignedOn   *time.Time        `json:"signed_on"`
	ProjectEnd *time.Time        `json:"project_end"`
	Due        *time.Time        `json:"due"` // the final report's due date
	Tranches   []TrancheStatus   `json:"tranches"`
	Revision   int               `json:"revision"`
	Approvals  []PendingApproval `json:"approvals"` // four-eyes: waiting for a second person
	Settled    []ApprovalOutcome `json:"settled"`   // the last approved or refused
}

// TrancheStatus is one tranche of a grant.
type TrancheStatus struct {
	Number  int        `json:"number"` // 1-based
	Percent int        `json:"percent"`
	On      string     `json:"on"` // when it is due: signature, report...
	Amount  Money      `json:"amount"`
	Ordered Money      `json:"ordered"`
	PaidOn  *time.Time `json:"paid_on"`
}

func grantStatusOf(s workflows.GrantStatus) GrantStatus {
	out := GrantStatus{GrantID: s.GrantID, CallID: s.CallID, Reference: s.Reference, Stage: s.Stage, WaitingFor: s.WaitingFor,
		Amount: M(s.Amount), Ordered: M(s.Ordered), Paid: M(s.Paid), Recovery: M(s.Recovery),
		SignedOn: timeOrNil(s.SignedOn), ProjectEnd: timeOrNil(s.ProjectEnd), Due: timeOrNil(s.Due), Revision: s.Revision,
		Approvals: pendingOf(true, s.Approvals), Settled: settledOf(true, s.Approvals),
		Tranches: []TrancheStatus{}}
	for i, t := range s.Tranches {
		out.Tranches = append(out.Tranches, TrancheStatus{Number: i + 1, Percent: t.Percent, On: t.On,
			Amount: M(t.Amount), Ordered: M(t.Ordered), PaidOn: timeOrNil(t.PaidOn)})
	}
	return out
}

// grantChange sends action's update to a grant workflow, or proposes it
// when it needs a second person.
func (s *Service) grantChange(ctx context.Context, by Actor, action, grantID, summary string, arg any) (GrantChangeResult, error) {
	var res workflows.GrantChangeResult
	pending, err := s.change(ctx, by, action, grantID, summary, arg, &res)
	if err != nil || pending != nil {
		return GrantChangeResult{Pending: pending}, err
	}
	return GrantChangeResult{Grant: grantStatusOf(res.Status)}, nil
}

func (s *Service) grantError(ctx context.Context, grantID string, err error) error {
	if ended := s.ended(ctx, "grant", grantID, grantID, err); ended != nil {
		return ended
	}
	if isNotFound(err) {
		return &Error{Kind: NotFound, Message: fmt.Sprintf("no grant %q (grant ids look like GRANT-AP-SUD-2024-0007)", grantID), Err: err}
	}
	return classify(grantID, err)
}

// GrantSignInput records the signed agreement.
type GrantSignInput struct {
	GrantID string    `json:"grant_id"`
	On      time.Time `json:"on"` // the signature day
}

// GrantChangeResult is the grant after a change.
type GrantChangeResult struct {
	Grant GrantStatus `json:"grant"`
	// Pending: the change waits for a second person (four-eyes); Grant
	// is then empty.
	Pending *Approval `json:"pending,omitempty"`
}

// GrantSign records the signed agreement; the signature tranche is ordered.
func (s *Service) GrantSign(ctx context.Context, by Actor, in GrantSignInput) (res GrantChangeResult, err error) {
	defer s.auditedChange(ctx, by, "grant.sign", in, &err, &res.Pending, func() string { return in.GrantID })
	if in.On.IsZero() {
		return GrantChangeResult{}, refused("on", "the signature date is required")
	}
	return s.grantChange(ctx, by, "grant.sign", in.GrantID, fmt.Sprintf("agreement signed on %s", day(in.On)), workflows.SignInput{On: startOfDay(in.On), By: by.Name})
}

// GrantPaidInput confirms that finance executed a tranche.
type GrantPaidInput struct {
	GrantID string    `json:"grant_id"`
	Tranche int       `json:"tranche"` // 1-based; 0: the recovery was received
	On      time.Time `json:"on"`
}

// GrantPaid confirms that finance executed tranche n (0: recovery received).
func (s *Service) GrantPaid(ctx context.Context, by Actor, in GrantPaidInput) (res GrantChangeResult, err error) {
	defer s.auditedChange(ctx, by, "grant.paid", in, &err, &res.Pending, func() string { return in.GrantID })
	if in.On.IsZero() {
		return GrantChangeResult{}, refused("on", "the execution date is required")
	}
	return s.grantChange(ctx, by, "grant.paid", in.GrantID, paidSummary(in), workflows.PaidInput{Tranche: in.Tranche, On: startOfDay(in.On), By: by.Name})
}

// GrantEndDateInput moves the project's end.
type GrantEndDateInput struct {
	GrantID string    `json:"grant_id"`
	End     time.Time `json:"end"`
}

// GrantEndDate moves the project's end; the report timers follow.
func (s *Service) GrantEndDate(ctx context.Context, by Actor, in GrantEndDateInput) (res GrantChangeResult, err error) {
	defer s.auditedChange(ctx, by, "grant.end-date", in, &err, &res.Pending, func() string { return in.GrantID })
	if in.End.IsZero() {
		return GrantChangeResult{}, refused("end", "the new end date is required")
	}
	return s.grantChange(ctx, by, "grant.end-date", in.GrantID, fmt.Sprintf("project end moved to %s", day(in.End)), workflows.EndDateInput{End: in.End, By: by.Name})
}

// GrantReportInput is the final report, as received.
type GrantReportInput struct {
	GrantID       string      `json:"grant_id"`
	Beneficiaries int         `json:"beneficiaries"`
	Spent         money.Cents `json:"spent"` // cents
	Lessons       string      `json:"lessons"`
}

// GrantReport records the final report as received.
func (s *Service) GrantReport(ctx context.Context, by Actor, in GrantReportInput) (res GrantChangeResult, err error) {
	defer s.auditedChange(ctx, by, "grant.report", in, &err, &res.Pending, func() string { return in.GrantID })
	return s.grantChange(ctx, by, "grant.report", in.GrantID, fmt.Sprintf("final report: %d people reached, %s spent", in.Beneficiaries, in.Spent), workflows.ReportInput{Beneficiaries: in.Beneficiaries, Spent: in.Spent, Lessons: in.Lessons, By: by.Name})
}

// GrantReviewInput approves the final report, or asks for a revision
// (Revise: what to change, sent to the applicant) by a new due date.
type GrantReviewInput struct {
	GrantID string    `json:"grant_id"`
	Approve bool      `json:"approve"`
	Revise  string    `json:"revise"`
	Due     time.Time `json:"due"`
}

// GrantReview approves the report or asks for a revision.
func (s *Service) GrantReview(ctx context.Context, by Actor, in GrantReviewInput) (res GrantChangeResult, err error) {
	defer s.auditedChange(ctx, by, "grant.review", in, &err, &res.Pending, func() string { return in.GrantID })
	if in.Approve == (in.Revise != "") {
		return GrantChangeResult{}, refused("approve", "give either approve or revise \"what to change\" with a due date")
	}
	return s.grantChange(ctx, by, "grant.review", in.GrantID, reviewSummary(in), workflows.ReviewInput{Approve: in.Approve, Note: in.Revise, Due: in.Due, By: by.Name})
}

// GrantStatusInput names a grant.
type GrantStatusInput struct {
	GrantID string `json:"grant_id"`
}

// GrantStatus queries a grant.
func (s *Service) GrantStatus(ctx context.Context, _ Actor, in GrantStatusInput) (GrantStatus, error) {
	v, err := s.Temporal.QueryWorkflow(ctx, in.GrantID, "", workflows.QueryGrant, workflows.GrantQuery{})
	if err != nil {
		if isNotFound(err) {
			return GrantStatus{}, &Error{Kind: NotFound, Message: fmt.Sprintf("no grant %q", in.GrantID), Err: err}
		}
		return GrantStatus{}, classify(in.GrantID, err)
	}
	var st workflows.GrantStatus
	if err := v.Get(&st); err != nil {
		return GrantStatus{}, err
	}
	return grantStatusOf(st), nil
}

// PaymentsExportInput asks for a call's payment orders, written to Out
// as a workbook for finance (with bank accounts).
type PaymentsExportInput struct {
	CallID string    `json:"call_id"`
	Out    io.Writer `json:"-"`
}

// PaymentsExportResult counts the orders written.
type PaymentsExportResult struct {
	CallID string `json:"call_id"`
	Orders int    `json:"orders"`
}

// PaymentsExport writes the call's payment-order workbook, built from the
// ledger now: it is the only copy (the worker keeps none in OUTPUT_DIR),
// so it lists every order and confirmation committed before the call.
func (s *Service) PaymentsExport(ctx context.Context, by Actor, in PaymentsExportInput) (res PaymentsExportResult, err error) {
	defer s.audited(ctx, by, "payments.export", in, &err, func() string { return in.CallID })
	orders, err := activities.PaymentOrders(ctx, s.DB, in.CallID)
	if err != nil {
		return PaymentsExportResult{}, classify("", err)
	}
	if err := payorder.Write(in.Out, "Ordres de paiement — "+in.CallID, orders); err != nil {
		return PaymentsExportResult{}, err
	}
	return PaymentsExportResult{CallID: in.CallID, Orders: len(orders)}, nil
}

func paidSummary(in GrantPaidInput) string {
	if in.Tranche == 0 {
		return fmt.Sprintf("recovery received on %s", day(in.On))
	}
	return fmt.Sprintf("payment of tranche %d executed on %s", in.Tranche, day(in.On))
}

func reviewSummary(in GrantReviewInput) string {
	if in.Approve {
		return "final report approved"
	}
	return "revision of the final report asked by " + day(in.Due)
}
