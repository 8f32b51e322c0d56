package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/foureyes"
	"github.com/callcycle/callcycle/workflows"
)

// approvable is an action that can need a second person: the workflow
// that holds it and the update it applies once approved.
type approvable struct {
	grant    bool   // a grant's workflow, else a call's
	update   string // the workflow update
	approver string // who may approve, in words
}

// approvables are the actions Service.FourEyes may name (audit action
// names). The call and grant workflows carry their proposals.
var approvables = map[string]approvable{
	"call.decide":     {update: workflows.UpdateDecide, approver: "officer"},
	"call.cancel":     {update: workflows.UpdateCancel, approver: "officer"},
	"call.carry-over": {update: workflows.UpdateCarryOver, approver: "officer"},
	"grant.sign":      {grant: true, update: workflows.UpdateSign, approver: "officer"},
	"grant.paid":      {grant: true, update: workflows.UpdatePaid, approver: "finance"},
	"grant.end-date":  {grant: true, update: workflows.UpdateEndDate, approver: "officer"},
	"grant.report":    {grant: true, update: workflows.UpdateReport, approver: "officer"},
	"grant.review":    {grant: true, update: workflows.UpdateReview, approver: "officer"},
}

// AlwaysFourEyes are the brief's: a government decision and a payment
// confirmation always need a second person, whatever the setting adds.
var AlwaysFourEyes = []string{"call.decide", "grant.paid"}

// FourEyesActions is AlwaysFourEyes plus the actions an office adds
// (CALLCYCLE_FOUR_EYES), or an error naming the one that cannot wait.
func FourEyesActions(extra []string) ([]string, error) {
	out := slices.Clone(AlwaysFourEyes)
	for _, a := range extra {
		a = strings.TrimSpace(a)
		if a == "" || slices.Contains(out, a) {
			continue
		}
		if _, ok := approvables[a]; !ok {
			return nil, fmt.Errorf("%q cannot need a second person (it can be one of: %s)", a, strings.Join(ApprovableActions(), ", "))
		}
		out = append(out, a)
	}
	return out, nil
}

// ApprovableActions are the actions that can need a second person, sorted.
func ApprovableActions() []string {
	var out []string
	for a := range approvables {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Approval is a proposal and where it stands.
type Approval struct {
	Target     string `json:"target"` // the call or grant id
	Action     string `json:"action"` // "call.decide", "grant.paid"
	Summary    string `json:"summary"`
	ProposedBy string `json:"proposed_by"`
	Approver   string `json:"approver"` // who may approve, in words
	Outcome    string `json:"outcome"`  // proposed, approved, refused
}

// ApprovalInput approves or refuses the proposal of Action on Target.
type ApprovalInput struct {
	Target string `json:"target"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"` // a refusal: why (kept in the file)
}

// ApprovalResult is the approval or refusal.
type ApprovalResult struct {
	Approval Approval `json:"approval"`
	// Applied is the action's own result once approved (a grant's
	// status, a decision's summary), as the workflow answered it.
	Applied json.RawMessage `json:"applied,omitempty"`
}

func (s *Service) needsSecond(action string) bool { return slices.Contains(s.FourEyes, action) }

// change sends action's update to the call or grant id, or, when the
// action needs a second person, proposes it instead: then the returned
// Approval is non-nil and result is left as it was.
func (s *Service) change(ctx context.Context, by Actor, action, id, summary string, arg, result any) (*Approval, error) {
	a := approvables[action]
	if !s.needsSecond(action) {
		return nil, s.sendTo(ctx, a.grant, id, a.update, arg, result)
	}
	raw, err := json.Marshal(arg)
	if err != nil {
		return nil, err
	}
	var r foureyes.Result
	in := foureyes.Input{Action: a.update, By: by.Name, ByID: by.ID, Args: raw, Approver: a.approver, Summary: summary}
	if err := s.sendTo(ctx, a.grant, id, workflows.UpdatePropose, in, &r); err != nil {
		return nil, err
	}
	return &Approval{Target: id, Action: action, Summary: summary, ProposedBy: by.Name, Approver: a.approver, Outcome: r.Outcome}, nil
}

func (s *Service) sendTo(ctx context.Context, grant bool, id, name string, arg, result any) error {
	if !grant {
		return s.callUpdate(ctx, id, name, arg, result)
	}
	if err := s.send(ctx, id, name, arg, result); err != nil {
		return s.grantError(ctx, id, err)
	}
	return nil
}

// Approve applies a proposal as a second person: refused when by
// proposed it, or when the action no longer fits the call or grant.
func (s *Service) Approve(ctx context.Context, by Actor, in ApprovalInput) (res ApprovalResult, err error) {
	defer s.audited(ctx, by, in.Action+".approve", in, &err, func() string { return in.Target })
	return s.settle(ctx, by, in, workflows.UpdateApprove)
}

// Refuse refuses a proposal; the refusal is kept with its reason.
func (s *Service) Refuse(ctx context.Context, by Actor, in ApprovalInput) (res ApprovalResult, err error) {
	defer s.audited(ctx, by, in.Action+".refuse", in, &err, func() string { return in.Target })
	return s.settle(ctx, by, in, workflows.UpdateRefuse)
}

func (s *Service) settle(ctx context.Context, by Actor, in ApprovalInput, update string) (ApprovalResult, error) {
	a, ok := approvables[in.Action]
	if !ok {
		return ApprovalResult{}, refused("action", "%q cannot wait for a second approval (it can be one of: %s)", in.Action, strings.Join(ApprovableActions(), ", "))
	}
	if strings.TrimSpace(in.Target) == "" {
		return ApprovalResult{}, refused("target", "the call or grant id is required")
	}
	var r foureyes.Result
	if err := s.sendTo(ctx, a.grant, in.Target, update, foureyes.Input{Action: a.update, By: by.Name, ByID: by.ID, Reason: strings.TrimSpace(in.Reason)}, &r); err != nil {
		return ApprovalResult{}, err
	}
	return ApprovalResult{Applied: r.Applied, Approval: Approval{Target: in.Target, Action: in.Action, Summary: r.Summary,
		ProposedBy: r.ProposedBy, Approver: a.approver, Outcome: r.Outcome}}, nil
}

// PendingApproval is a proposal waiting in a call's or grant's status.
type PendingApproval struct {
	Action     string `json:"action"`
	Summary    string `json:"summary"`
	ProposedBy string `json:"proposed_by"`
	Approver   string `json:"approver"`
	ProposedAt string `json:"proposed_at"`
}

// ApprovalOutcome is a proposal approved or refused, as the file keeps it.
type ApprovalOutcome struct {
	Action     string `json:"action"`
	Summary    string `json:"summary"`
	ProposedBy string `json:"proposed_by"`
	By         string `json:"by"`
	Result     string `json:"result"`
	Reason     string `json:"reason,omitempty"`
	At         string `json:"at"`
}

// actionOf is the audit action name of a workflow update.
func actionOf(grant bool, update string) string {
	for _, name := range ApprovableActions() {
		if a := approvables[name]; a.grant == grant && a.update == update {
			return name
		}
	}
	return update
}

func pendingOf(grant bool, st foureyes.State) []PendingApproval {
	out := []PendingApproval{}
	for _, p := range st.Pending {
		out = append(out, PendingApproval{Action: actionOf(grant, p.Action), Summary: p.Summary, ProposedBy: p.By,
			Approver: p.Approver, ProposedAt: p.At.UTC().Format(time.RFC3339)})
	}
	return out
}

func settledOf(grant bool, st foureyes.State) []ApprovalOutcome {
	out := []ApprovalOutcome{}
	for _, o := range st.Outcomes {
		out = append(out, ApprovalOutcome{Action: actionOf(grant, o.Action), Summary: o.Summary, ProposedBy: o.ProposedBy,
			By: o.By, Result: o.Result, Reason: o.Reason, At: o.At.UTC().Format(time.RFC3339)})
	}
	return out
}
