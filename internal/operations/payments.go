package operations

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
)

// PaymentsInput asks for the payment orders ("" CallID: every call's).
type PaymentsInput struct {
	CallID string `json:"call_id"`
}

// PaymentOrder is one tranche the grant workflow ordered: to confirm
// while PaidOn is nil.
type PaymentOrder struct {
	GrantID      string     `json:"grant_id"`
	CallID       string     `json:"call_id"`
	Organisation string     `json:"organisation"`
	Tranche      int        `json:"tranche"`
	Amount       Money      `json:"amount"`
	OrderedAt    time.Time  `json:"ordered_at"`
	PaidOn       *time.Time `json:"paid_on"`
	ConfirmedBy  string     `json:"confirmed_by"`
	// Proposed: a person confirmed it and it waits for a second (four-eyes).
	Proposed   *PendingApproval `json:"proposed"`
	WorkflowID string           `json:"workflow_id"`
}

// PaymentsResult is the orders to confirm (oldest first) and those paid
// (newest first).
type PaymentsResult struct {
	ToConfirm []PaymentOrder `json:"to_confirm"`
	Paid      []PaymentOrder `json:"paid"`
}

// Payments lists the payment orders from the ledger. For an order not yet
// paid the grant is asked whether a confirmation waits for its second
// person: PostgreSQL says what was ordered, the workflow what is proposed.
func (s *Service) Payments(ctx context.Context, _ Actor, in PaymentsInput) (PaymentsResult, error) {
	rows, err := s.DB.Query(ctx, `SELECT l.grant_id, g.call_id, o.name, l.tranche, l.amount_cents, l.ordered_at,
		l.paid_on::timestamptz, coalesce(l.confirmed_by, ''), g.reference
		FROM ledger l JOIN grants g USING (grant_id) JOIN applications a ON a.reference = g.reference JOIN applicants o USING (applicant_id)
		WHERE l.kind = 'payment' AND ($1 = '' OR g.call_id = $1)
		ORDER BY l.paid_on IS NOT NULL, CASE WHEN l.paid_on IS NULL THEN l.ordered_at END, l.paid_on DESC, l.grant_id, l.tranche`, in.CallID)
	if err != nil {
		return PaymentsResult{}, err
	}
	out := PaymentsResult{ToConfirm: []PaymentOrder{}, Paid: []PaymentOrder{}}
	for rows.Next() {
		var p PaymentOrder
		var cents int64
		var reference string
		if err := rows.Scan(&p.GrantID, &p.CallID, &p.Organisation, &p.Tranche, &cents, &p.OrderedAt, &p.PaidOn, &p.ConfirmedBy, &reference); err != nil {
			rows.Close()
			return PaymentsResult{}, err
		}
		p.Amount, p.WorkflowID = M(money.Cents(cents)), workflows.GrantWorkflowID(reference)
		if p.PaidOn == nil {
			out.ToConfirm = append(out.ToConfirm, p)
		} else {
			out.Paid = append(out.Paid, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return PaymentsResult{}, err
	}
	// Only the grants whose last word on a payment in the audit log is a
	// proposal are asked (a page of a thousand orders is not a thousand
	// queries); the workflow says whether it still waits.
	proposed, err := s.proposedPayments(ctx)
	if err != nil {
		return PaymentsResult{}, err
	}
	seen := map[string]bool{}
	for i := range out.ToConfirm {
		p := &out.ToConfirm[i]
		// A grant orders its next tranche once the one before is paid, so
		// the proposal is the oldest unpaid order's.
		if seen[p.GrantID] || !proposed[p.GrantID] {
			continue
		}
		seen[p.GrantID] = true
		st, err := s.GrantStatus(ctx, Actor{}, GrantStatusInput{GrantID: p.GrantID})
		if err != nil {
			return PaymentsResult{}, err
		}
		for _, a := range st.Approvals {
			if a.Action == "grant.paid" {
				a := a
				p.Proposed = &a
			}
		}
	}
	return out, nil
}

// proposedPayments are the grants whose latest payment entry in the audit
// log is a proposal: those a confirmation may wait on.
func (s *Service) proposedPayments(ctx context.Context) (map[string]bool, error) {
	rows, err := s.DB.Query(ctx, `SELECT target FROM (
		SELECT DISTINCT ON (target) target, action FROM audit_log
		WHERE result = 'ok' AND action IN ('grant.paid.propose', 'grant.paid.approve', 'grant.paid.refuse')
		ORDER BY target, seq DESC) last WHERE action = 'grant.paid.propose'`)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
