package operations

import (
	"context"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
)

// DecideInput is what the officer enters from the government's decree:
// All (the proposal as it stands) or Approve (one entry per project).
type DecideInput struct {
	CallID   string          `json:"call_id"`
	Decree   string          `json:"decree"`
	All      bool            `json:"all"`
	Approve  []ApproveAmount `json:"approve"`
	Override bool            `json:"override"` // allow projects outside the proposal
}

// ApproveAmount approves one project: at the amount proposed (Amount
// nil), at a reduced amount, or, with Override, a project outside the
// proposal (at its requested amount when Amount is nil).
type ApproveAmount struct {
	Reference string       `json:"reference"`
	Amount    *money.Cents `json:"amount"` // cents; null: as proposed (or as requested)
}

// DecideResult summarises the decision.
type DecideResult struct {
	CallID  string `json:"call_id"`
	Decree  string `json:"decree"`
	Granted int    `json:"granted"`
	Total   Money  `json:"total"`
}

// Decide enters the government's decision.
func (s *Service) Decide(ctx context.Context, by Actor, in DecideInput) (res DecideResult, err error) {
	defer s.audited(ctx, by, "call.decide", in, &err, func() string { return in.CallID })
	st, err := s.requireStage(ctx, in.CallID, workflows.StageProposed)
	if err != nil {
		return DecideResult{}, err
	}
	if in.All == (len(in.Approve) > 0) {
		return DecideResult{}, refused("approve", "give either all (the proposal as it stands) or approve REF[=amount] for each project")
	}
	picks := map[string]workflows.Pick{}
	for _, p := range st.Proposal.Picks {
		picks[p.Reference] = p
	}
	var grants []workflows.DecisionGrant
	if in.All {
		for _, p := range st.Proposal.Picks {
			grants = append(grants, workflows.DecisionGrant{Reference: p.Reference, Amount: p.Amount})
		}
	}
	for _, a := range in.Approve {
		g := workflows.DecisionGrant{Reference: strings.TrimSpace(a.Reference)}
		p, proposed := picks[g.Reference]
		if a.Amount != nil {
			g.Amount = *a.Amount
		} else if proposed {
			g.Amount = p.Amount
		}
		if !proposed {
			// Outside the proposal: the region (and, by default, the
			// requested amount) come from the application itself.
			var cents int64
			err := s.DB.QueryRow(ctx, `SELECT region, amount_cents FROM applications WHERE call_id = $1 AND reference = $2`, in.CallID, g.Reference).Scan(&g.Region, &cents)
			if err != nil {
				return DecideResult{}, &Error{Kind: NotFound, Message: "approve " + g.Reference + ": no application " + g.Reference + " in " + in.CallID,
					Problems: []Problem{{Field: "approve", Reason: "no application " + g.Reference + " in " + in.CallID}}}
			}
			if a.Amount == nil {
				g.Amount = money.Cents(cents)
			}
		}
		grants = append(grants, g)
	}
	var r workflows.DecideResult
	w := workflows.DecideInput{Decree: in.Decree, By: by.Name, Grants: grants, Override: in.Override}
	if err := s.callUpdate(ctx, in.CallID, workflows.UpdateDecide, w, &r); err != nil {
		return DecideResult{}, err
	}
	return DecideResult{CallID: in.CallID, Decree: in.Decree, Granted: r.Granted, Total: M(r.Total)}, nil
}

// CarryOverInput continues a lapsed call under a later budget year.
type CarryOverInput struct {
	CallID     string `json:"call_id"`
	BudgetYear int    `json:"budget_year"`
}

// CarryOverResult gives the new lapse moment.
type CarryOverResult struct {
	CallID     string    `json:"call_id"`
	BudgetYear int       `json:"budget_year"`
	LapseAt    time.Time `json:"lapse_at"`
}

// CarryOver continues a lapsed call under a later budget year.
func (s *Service) CarryOver(ctx context.Context, by Actor, in CarryOverInput) (res CarryOverResult, err error) {
	defer s.audited(ctx, by, "call.carry-over", in, &err, func() string { return in.CallID })
	var r workflows.CarryOverResult
	if err := s.callUpdate(ctx, in.CallID, workflows.UpdateCarryOver, workflows.CarryOverInput{BudgetYear: in.BudgetYear, By: by.Name}, &r); err != nil {
		return CarryOverResult{}, err
	}
	return CarryOverResult{CallID: in.CallID, BudgetYear: in.BudgetYear, LapseAt: r.LapseAt}, nil
}

// CancelInput ends a call without grants.
type CancelInput struct {
	CallID string `json:"call_id"`
	Reason string `json:"reason"` // sent to every applicant
}

// CancelResult echoes the cancellation.
type CancelResult struct {
	CallID string `json:"call_id"`
	Reason string `json:"reason"`
}

// Cancel ends a call; every applicant is told the reason.
func (s *Service) Cancel(ctx context.Context, by Actor, in CancelInput) (res CancelResult, err error) {
	defer s.audited(ctx, by, "call.cancel", in, &err, func() string { return in.CallID })
	var r workflows.CancelResult
	if err := s.callUpdate(ctx, in.CallID, workflows.UpdateCancel, workflows.CancelInput{Reason: in.Reason, By: by.Name}, &r); err != nil {
		return CancelResult{}, err
	}
	return CancelResult{CallID: in.CallID, Reason: in.Reason}, nil
}
