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
	GrantID    string          `json:"grant_id"`
	CallID     string          `json:"call_id"`
	Reference  string          `json:"reference"`
	Stage      string          `json:"stage"`
	WaitingFor string          `json:"waiting_for"`
	Amount     Money           `json:"amount"`
	Ordered    Money           `json:"ordered"`
	Paid       Money           `json:"paid"`
	Recovery   Money           `json:"recovery"`
	SignedOn   *time.Time      `json:"signed_on"`
	ProjectEnd *time.Time      `json:"project_end"`
	Due        *time.Time      `json:"due"` // the final report's due date
	Tranches   []TrancheStatus `json:"tranches"`
	Revision   int             `json:"revision"`
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
		Tranches: []TrancheStatus{}}
	for i, t := range s.Tranches {
		out.Tranches = append(out.Tranches, TrancheStatus{Number: i + 1, Percent: t.Percent, On: t.On,
			Amount: M(t.Amount), Ordered: M(t.Ordered), PaidOn: timeOrNil(t.PaidOn)})
	}
	return out
}

// grantUpdate sends a named update to a grant workflow.
func (s *Service) grantUpdate(ctx context.Context, grantID, name string, arg any) (GrantStatus, error) {
	var res workflows.GrantChangeResult
	err := s.send(ctx, grantID, name, arg, &res)
	if err != nil {
		return GrantStatus{}, s.grantError(ctx, grantID, err)
	}
	return grantStatusOf(res.Status), nil
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
}

// GrantSign records the signed agreement; the signature tranche is ordered.
func (s *Service) GrantSign(ctx context.Context, by Actor, in GrantSignInput) (res GrantChangeResult, err error) {
	defer s.audited(ctx, by, "grant.sign", in, &err, func() string { return in.GrantID })
	if in.On.IsZero() {
		return GrantChangeResult{}, refused("on", "the signature date is required")
	}
	st, err := s.grantUpdate(ctx, in.GrantID, workflows.UpdateSign, workflows.SignInput{On: startOfDay(in.On), By: by.Name})
	return GrantChangeResult{Grant: st}, err
}

// GrantPaidInput confirms that finance executed a tranche.
type GrantPaidInput struct {
	GrantID string    `json:"grant_id"`
	Tranche int       `json:"tranche"` // 1-based; 0: the recovery was received
	On      time.Time `json:"on"`
}

// GrantPaid confirms that finance executed tranche n (0: recovery received).
func (s *Service) GrantPaid(ctx context.Context, by Actor, in GrantPaidInput) (res GrantChangeResult, err error) {
	defer s.audited(ctx, by, "grant.paid", in, &err, func() string { return in.GrantID })
	if in.On.IsZero() {
		return GrantChangeResult{}, refused("on", "the execution date is required")
	}
	st, err := s.grantUpdate(ctx, in.GrantID, workflows.UpdatePaid, workflows.PaidInput{Tranche: in.Tranche, On: startOfDay(in.On), By: by.Name})
	return GrantChangeResult{Grant: st}, err
}

// GrantEndDateInput moves the project's end.
type GrantEndDateInput struct {
	GrantID string    `json:"grant_id"`
	End     time.Time `json:"end"`
}

// GrantEndDate moves the project's end; the report timers follow.
func (s *Service) GrantEndDate(ctx context.Context, by Actor, in GrantEndDateInput) (res GrantChangeResult, err error) {
	defer s.audited(ctx, by, "grant.end-date", in, &err, func() string { return in.GrantID })
	if in.End.IsZero() {
		return GrantChangeResult{}, refused("end", "the new end date is required")
	}
	st, err := s.grantUpdate(ctx, in.GrantID, workflows.UpdateEndDate, workflows.EndDateInput{End: in.End, By: by.Name})
	return GrantChangeResult{Grant: st}, err
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
	defer s.audited(ctx, by, "grant.report", in, &err, func() string { return in.GrantID })
	st, err := s.grantUpdate(ctx, in.GrantID, workflows.UpdateReport, workflows.ReportInput{Beneficiaries: in.Beneficiaries, Spent: in.Spent, Lessons: in.Lessons, By: by.Name})
	return GrantChangeResult{Grant: st}, err
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
	defer s.audited(ctx, by, "grant.review", in, &err, func() string { return in.GrantID })
	if in.Approve == (in.Revise != "") {
		return GrantChangeResult{}, refused("approve", "give either approve or revise \"what to change\" with a due date")
	}
	st, err := s.grantUpdate(ctx, in.GrantID, workflows.UpdateReview, workflows.ReviewInput{Approve: in.Approve, Note: in.Revise, Due: in.Due, By: by.Name})
	return GrantChangeResult{Grant: st}, err
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
