package operations

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/words"
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
	// Pending: the decision waits for a second officer (four-eyes).
	Pending *Approval `json:"pending,omitempty"`
}

// Decide enters the government's decision.
func (s *Service) Decide(ctx context.Context, by Actor, in DecideInput) (res DecideResult, err error) {
	defer s.auditedChange(ctx, by, "call.decide", in, &err, &res.Pending, func() string { return in.CallID })
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
	var total money.Cents
	for _, g := range grants {
		total += g.Amount
	}
	summary := fmt.Sprintf("decision under decree %s: %s, %s", w.Decree, words.Count(len(grants), "project", "projects"), total)
	pending, err := s.change(ctx, by, "call.decide", in.CallID, summary, w, &r)
	if err != nil {
		return DecideResult{}, err
	}
	if pending != nil {
		return DecideResult{CallID: in.CallID, Decree: in.Decree, Granted: len(grants), Total: M(total), Pending: pending}, nil
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
	Pending    *Approval `json:"pending,omitempty"` // waits for a second officer
}

// CarryOver continues a lapsed call under a later budget year.
func (s *Service) CarryOver(ctx context.Context, by Actor, in CarryOverInput) (res CarryOverResult, err error) {
	defer s.auditedChange(ctx, by, "call.carry-over", in, &err, &res.Pending, func() string { return in.CallID })
	var r workflows.CarryOverResult
	pending, err := s.change(ctx, by, "call.carry-over", in.CallID, fmt.Sprintf("carry over to the %d budget", in.BudgetYear),
		workflows.CarryOverInput{BudgetYear: in.BudgetYear, By: by.Name}, &r)
	if err != nil {
		return CarryOverResult{}, err
	}
	return CarryOverResult{CallID: in.CallID, BudgetYear: in.BudgetYear, LapseAt: r.LapseAt, Pending: pending}, nil
}

// CancelInput ends a call without grants.
type CancelInput struct {
	CallID string `json:"call_id"`
	Reason string `json:"reason"` // sent to every applicant
}

// CancelResult echoes the cancellation.
type CancelResult struct {
	CallID  string    `json:"call_id"`
	Reason  string    `json:"reason"`
	Pending *Approval `json:"pending,omitempty"` // waits for a second officer
}

// Cancel ends a call; every applicant is told the reason.
func (s *Service) Cancel(ctx context.Context, by Actor, in CancelInput) (res CancelResult, err error) {
	defer s.auditedChange(ctx, by, "call.cancel", in, &err, &res.Pending, func() string { return in.CallID })
	var r workflows.CancelResult
	pending, err := s.change(ctx, by, "call.cancel", in.CallID, "cancellation of the call", workflows.CancelInput{Reason: in.Reason, By: by.Name}, &r)
	if err != nil {
		return CancelResult{}, err
	}
	return CancelResult{CallID: in.CallID, Reason: in.Reason, Pending: pending}, nil
}
