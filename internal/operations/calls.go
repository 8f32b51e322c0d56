package operations

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/workflows"
)

// CloseInput closes the submission window before the deadline.
type CloseInput struct {
	CallID string `json:"call_id"`
	Reason string `json:"reason"` // recorded
}

// CloseResult says when the window closed and with how many applications.
type CloseResult struct {
	CallID    string    `json:"call_id"`
	ClosedAt  time.Time `json:"closed_at"`
	Submitted int       `json:"submitted"`
}

// Close ends the submission window now. A window already closed answers
// AlreadyDone.
func (s *Service) Close(ctx context.Context, by Actor, in CloseInput) (res CloseResult, err error) {
	defer s.audited(ctx, by, "call.close", in, &err, func() string { return in.CallID })
	var r workflows.CloseResult
	if err := s.callUpdate(ctx, in.CallID, workflows.UpdateClose, workflows.CloseInput{By: by.Name, Reason: in.Reason}, &r); err != nil {
		return CloseResult{}, err
	}
	return CloseResult{CallID: in.CallID, ClosedAt: r.ClosedAt, Submitted: r.Submitted}, nil
}

// ExtendInput moves the submission deadline.
type ExtendInput struct {
	CallID   string    `json:"call_id"`
	Deadline time.Time `json:"deadline"`
}

// ExtendResult gives the deadline before and after.
type ExtendResult struct {
	CallID   string    `json:"call_id"`
	Previous time.Time `json:"previous"`
	Deadline time.Time `json:"deadline"`
}

// Extend moves the deadline; the call's timer follows.
func (s *Service) Extend(ctx context.Context, by Actor, in ExtendInput) (res ExtendResult, err error) {
	defer s.audited(ctx, by, "call.extend", in, &err, func() string { return in.CallID })
	if in.Deadline.IsZero() {
		return ExtendResult{}, refused("deadline", "required, e.g. 2024-04-15 23:59 (Brussels time)")
	}
	var r workflows.ExtendResult
	if err := s.callUpdate(ctx, in.CallID, workflows.UpdateExtend, workflows.ExtendInput{Deadline: in.Deadline, By: by.Name}, &r); err != nil {
		return ExtendResult{}, err
	}
	return ExtendResult{CallID: in.CallID, Previous: r.Previous, Deadline: r.Deadline}, nil
}

// StatusInput names a call.
type StatusInput struct {
	CallID string `json:"call_id"`
}

// CallStatus is where a call stands.
type CallStatus struct {
	CallID      string          `json:"call_id"`
	Kind        string          `json:"kind"`
	Year        int             `json:"year"`
	Title       string          `json:"title"`
	Stage       string          `json:"stage"`
	WaitingFor  string          `json:"waiting_for"`
	Deadline    time.Time       `json:"deadline"`
	LaunchedAt  time.Time       `json:"launched_at"`
	ClosedAt    *time.Time      `json:"closed_at"` // null while open
	CloseReason string          `json:"close_reason"`
	Submitted   int             `json:"submitted"`
	Envelope    string          `json:"envelope"` // the envelope described
	Runs        int             `json:"runs"`     // workflow runs (continue-as-new)
	Screening   ScreeningCounts `json:"screening"`
	ScoringPath string          `json:"scoring_path"`
	Proposal    *Proposal       `json:"proposal"`
	Paused      bool            `json:"paused"`
	Government  string          `json:"government"`
	BudgetYear  int             `json:"budget_year"`
	LapseAt     *time.Time      `json:"lapse_at"`
	Decision    *Decision       `json:"decision"`
	EndReason   string          `json:"end_reason"`
	Grants      GrantCounts     `json:"grants"`
	WorkflowID  string          `json:"workflow_id"`
	// Approvals waiting for a second person, and the last approved or
	// refused (four-eyes).
	Approvals []PendingApproval `json:"approvals"`
	Settled   []ApprovalOutcome `json:"settled"`
}

// ScreeningCounts counts eligibility verdicts.
type ScreeningCounts struct {
	Screened   int `json:"screened"`
	Eligible   int `json:"eligible"`
	Ineligible int `json:"ineligible"`
	Pending    int `json:"pending"`
}

// GrantCounts sums up a decided call's grants.
type GrantCounts struct {
	Total     int   `json:"total"`
	Started   int   `json:"started"`
	Closed    int   `json:"closed"`
	Paid      Money `json:"paid"`
	Recovered Money `json:"recovered"`
}

// Proposal is the committee's proposal.
type Proposal struct {
	Ranked        int           `json:"ranked"`
	Selected      int           `json:"selected"`
	SelectedTotal Money         `json:"selected_total"`
	Envelopes     []EnvelopeUse `json:"envelopes"`
	Path          string        `json:"path"` // the proposal workbook, in the worker's OUTPUT_DIR
	Picks         []Pick        `json:"picks"`
	ImportedBy    string        `json:"imported_by"`
	ImportedAt    time.Time     `json:"imported_at"`
}

// EnvelopeUse is one envelope of the proposal (region "" = general).
type EnvelopeUse struct {
	Region string `json:"region"`
	Amount Money  `json:"amount"`
	Used   Money  `json:"used"`
	Left   Money  `json:"left"`
}

// Pick is one project of the proposal.
type Pick struct {
	Reference string `json:"reference"`
	Region    string `json:"region"`
	Amount    Money  `json:"amount"`
	Envelope  string `json:"envelope"` // reserved region, or "" for the general envelope
}

// Decision is the government's decision on a call.
type Decision struct {
	Decree     string          `json:"decree"`
	By         string          `json:"by"`
	At         time.Time       `json:"at"`
	Grants     []DecisionGrant `json:"grants"`
	Total      Money           `json:"total"`
	BudgetYear int             `json:"budget_year"`
}

// DecisionGrant is one granted project.
type DecisionGrant struct {
	Reference string `json:"reference"`
	Amount    Money  `json:"amount"`
	Region    string `json:"region"`
}

// Status queries the call workflow.
func (s *Service) Status(ctx context.Context, _ Actor, in StatusInput) (CallStatus, error) {
	st, err := s.callStatus(ctx, in.CallID)
	if err != nil {
		return CallStatus{}, err
	}
	return callStatusOf(st), nil
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func callStatusOf(s workflows.StatusResult) CallStatus {
	out := CallStatus{CallID: s.CallID, Kind: s.Kind, Year: s.Year, Title: s.Title, Stage: s.Stage, WaitingFor: s.WaitingFor,
		Deadline: s.Deadline, LaunchedAt: s.LaunchedAt, ClosedAt: timeOrNil(s.ClosedAt), CloseReason: s.CloseReason,
		Submitted: s.Submitted, Envelope: s.Envelope, Runs: s.Runs,
		Screening:   ScreeningCounts{Screened: s.Screening.Screened, Eligible: s.Screening.Eligible, Ineligible: s.Screening.Ineligible, Pending: s.Screening.Pending},
		ScoringPath: s.ScoringPath, Paused: s.Paused, Government: s.Government, BudgetYear: s.BudgetYear, LapseAt: timeOrNil(s.LapseAt),
		EndReason: s.EndReason, WorkflowID: workflows.CallWorkflowID(s.CallID),
		Approvals: pendingOf(false, s.Approvals), Settled: settledOf(false, s.Approvals),
		Grants: GrantCounts{Total: s.Grants.Total, Started: s.Grants.Started, Closed: s.Grants.Closed, Paid: M(s.Grants.Paid), Recovered: M(s.Grants.Recovered)},
	}
	if s.Proposal != nil {
		p := proposalOf(*s.Proposal)
		out.Proposal = &p
	}
	if d := s.Decision; d != nil {
		dec := Decision{Decree: d.Decree, By: d.By, At: d.At, Total: M(d.Total), BudgetYear: d.BudgetYear, Grants: []DecisionGrant{}}
		for _, g := range d.Grants {
			dec.Grants = append(dec.Grants, DecisionGrant{Reference: g.Reference, Amount: M(g.Amount), Region: g.Region})
		}
		out.Decision = &dec
	}
	return out
}

func proposalOf(p workflows.ProposalSummary) Proposal {
	out := Proposal{Ranked: p.Ranked, Selected: p.Selected, SelectedTotal: M(p.SelectedTotal), Path: p.Path,
		ImportedBy: p.ImportedBy, ImportedAt: p.ImportedAt, Envelopes: []EnvelopeUse{}, Picks: []Pick{}}
	for _, e := range p.Envelopes {
		out.Envelopes = append(out.Envelopes, EnvelopeUse{Region: e.Region, Amount: M(e.Amount), Used: M(e.Used), Left: M(e.Amount - e.Used)})
	}
	for _, k := range p.Picks {
		out.Picks = append(out.Picks, Pick{Reference: k.Reference, Region: k.Region, Amount: M(k.Amount), Envelope: k.Envelope})
	}
	return out
}
