package workflows

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// MaxDecisionGrants bounds one decision (a call takes one): 5,000 grants
// are ≈400 KB of update payload, well under Temporal's 2 MB.
const MaxDecisionGrants = 5000

// runApproval waits for the government's decision. While the government
// is in caretaker mode the call is paused (visibly); it resumes by itself
// when a status without caretaker mode arrives. If the budget year closes
// first, the call lapses.
func (w *callWF) runApproval(ctx workflow.Context) error {
	if w.st.BudgetYear == 0 {
		w.st.BudgetYear = w.call.Year
		w.st.LapseAt = w.call.BudgetClose(w.st.BudgetYear)
	}
	w.subscribe(ctx)
	w.publish(ctx)
	for w.st.Stage == StageProposed {
		wait := w.st.LapseAt.Sub(workflow.Now(ctx))
		if wait <= 0 {
			return w.lapse(ctx)
		}
		w.wake = false
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool {
			return w.wake || w.st.Stage != StageProposed || w.continueSuggested(ctx)
		}); err != nil {
			return err
		}
		if w.continueSuggested(ctx) {
			return errContinue
		}
	}
	return nil
}

// subscribe asks the government entity for its status now and at every
// change. Sent once per call (the subscription follows the workflow id
// across continue-as-new); retried until the government workflow exists.
func (w *callWF) subscribe(ctx workflow.Context) {
	if w.st.Subscribed {
		return
	}
	w.st.Subscribed = true
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	workflow.Go(ctx, func(ctx workflow.Context) {
		for delay := time.Second; w.st.Subscribed; delay = min(2*delay, time.Minute) {
			err := workflow.SignalExternalWorkflow(ctx, GovernmentWorkflowID, "", SignalSubscribe, SubscribeSignal{WorkflowID: id}).Get(ctx, nil)
			if err == nil {
				return
			}
			workflow.GetLogger(ctx).Warn("government workflow not reachable; retrying", "error", err, "in", delay)
			if workflow.Sleep(ctx, delay) != nil {
				return
			}
		}
	})
}

func (w *callWF) unsubscribe(ctx workflow.Context) {
	if !w.st.Subscribed {
		return
	}
	w.st.Subscribed = false
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	// Best effort: a government that finds a call gone drops it anyway.
	_ = workflow.SignalExternalWorkflow(ctx, GovernmentWorkflowID, "", SignalUnsubscribe, SubscribeSignal{WorkflowID: id}).Get(ctx, nil)
}

// receiveGovernment keeps the newest status the government sent.
func (w *callWF) receiveGovernment(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalGovernmentStatus)
	for {
		var s GovernmentStatus
		if !ch.Receive(ctx, &s) {
			return
		}
		w.takeGovernment(ctx, s)
	}
}

func (w *callWF) takeGovernment(ctx workflow.Context, s GovernmentStatus) {
	if w.st.GovKnown && s.Version <= w.st.Gov.Version {
		return // an older status arriving late
	}
	w.st.Gov, w.st.GovKnown, w.wake = s, true, true
	w.publish(ctx)
}

// drainGovernment takes statuses already delivered to this run, before
// it continues as new.
func (w *callWF) drainGovernment(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalGovernmentStatus)
	var s GovernmentStatus
	for ch.ReceiveAsync(&s) {
		w.takeGovernment(ctx, s)
	}
}

func (w *callWF) paused() bool {
	return w.st.Stage == StageProposed && w.st.GovKnown && w.st.Gov.Caretaker
}

func (w *callWF) lapse(ctx workflow.Context) error {
	why := "The government did not decide in time."
	if w.st.Gov.Caretaker {
		why = "The government has been in caretaker mode since " + day(w.st.Gov.Since) + ": discretionary subsidies could not be granted."
	}
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	err := workflow.ExecuteActivity(actx, act.LapseCall, activities.LapseCallInput{
		CallID: w.call.ID, BudgetYear: w.st.BudgetYear, At: workflow.Now(ctx), Why: why}).Get(ctx, nil)
	if err != nil {
		return fmt.Errorf("lapse: %w", err)
	}
	w.st.Stage, w.st.MailPending = StageLapsed, true
	w.unsubscribe(ctx)
	w.publish(ctx)
	return nil
}

func (w *callWF) validateDecide(ctx workflow.Context, in DecideInput) error {
	switch {
	case w.st.Stage == StageDecided:
		return wrongStage("%s was already decided (decree %s, entered by %s)", w.call.ID, w.st.Decision.Decree, w.st.Decision.By)
	case w.st.Stage == StageLapsed:
		return wrongStage("%s lapsed with the %d budget; carry it over first (`starter carry-over`)", w.call.ID, w.st.BudgetYear)
	case w.st.Stage != StageProposed:
		return wrongStage("%s is at stage %q; a decision needs the committee's proposal", w.call.ID, w.st.Stage)
	case !w.st.GovKnown:
		return temporal.NewApplicationError(fmt.Sprintf("%s: the government's status has not reached the call yet; try again in a few seconds", w.call.ID), ErrTypeGovernmentPending)
	case w.st.Gov.Caretaker:
		return wrongStage("%s: paused: caretaker mode since %s; discretionary subsidies cannot be granted until a government is installed", w.call.ID, day(w.st.Gov.Since))
	case !workflow.Now(ctx).Before(w.st.LapseAt):
		return wrongStage("%s: the %d budget year has closed", w.call.ID, w.st.BudgetYear)
	}
	if err := officer(in.By); err != nil {
		return err
	}
	decree := strings.TrimSpace(in.Decree)
	if decree == "" || strings.ContainsAny(decree, "\r\n") || utf8.RuneCountInString(decree) > 100 {
		return refuse("decree", "the government decree's reference is required (one line, at most 100 characters)")
	}
	if len(in.Grants) == 0 || len(in.Grants) > MaxDecisionGrants {
		return rejected(fmt.Sprintf("a decision grants 1 to %d projects, got %d (to grant none, cancel the call)", MaxDecisionGrants, len(in.Grants)))
	}
	picks := map[string]Pick{}
	for _, p := range w.st.Proposal.Picks {
		picks[p.Reference] = p
	}
	var rows []RowReason
	seen := map[string]bool{}
	byRegion := map[string]money.Cents{}
	var regions []string
	for i, g := range in.Grants {
		var why []string
		seq, ok := w.seqOf(g.Reference)
		p, proposed := picks[g.Reference]
		switch {
		case !ok:
			why = append(why, "not an application of "+w.call.ID)
		case !w.st.Eligible.has(seq):
			why = append(why, "not eligible")
		case seen[g.Reference]:
			why = append(why, "listed twice")
		case !proposed && !in.Override:
			why = append(why, "not in the committee's proposal; set override to grant it anyway")
		}
		switch {
		case g.Amount < w.call.MinGrant:
			why = append(why, fmt.Sprintf("%s is below the call's minimum %s", g.Amount, w.call.MinGrant))
		case g.Amount > w.call.MaxGrant:
			why = append(why, fmt.Sprintf("%s is above the call's maximum %s", g.Amount, w.call.MaxGrant))
		case proposed && g.Amount > p.Amount:
			why = append(why, fmt.Sprintf("%s is more than the %s proposed (amounts can only be reduced)", g.Amount, p.Amount))
		}
		region := g.Region
		if proposed {
			region = p.Region
		}
		if !proposed && !w.call.HasRegion(region) {
			why = append(why, fmt.Sprintf("region %q is not one of the call's regions", region))
		}
		seen[g.Reference] = true
		if len(why) > 0 {
			rows = append(rows, RowReason{Index: i, Reason: strings.Join(why, "; ")})
			continue
		}
		if _, ok := byRegion[region]; !ok {
			regions = append(regions, region)
		}
		byRegion[region] += g.Amount
	}
	// Each refused grant is named by its reference, as the officer typed
	// it, not by its place in the list.
	if err := rowsRejectedBy(rows, func(i int) string { return fmt.Sprintf("%q", in.Grants[i].Reference) }); err != nil {
		return err
	}
	return w.checkEnvelopes(byRegion, regions)
}

// checkEnvelopes: each reserved region's grants use its reserve first,
// the rest (and every other region) the general envelope, which must
// cover it. Same rule as the proposal.
func (w *callWF) checkEnvelopes(byRegion map[string]money.Cents, regions []string) error {
	general := money.Cents(0)
	reserved := map[string]money.Cents{}
	for _, r := range w.call.Reserved {
		reserved[r.Region] = r.Amount
	}
	for _, region := range regions {
		over := byRegion[region] - reserved[region]
		if over > 0 {
			general += over
		}
	}
	if general > w.call.Envelope {
		return temporal.NewApplicationError(fmt.Sprintf("the decision needs %s from the general envelope, which holds %s (over by %s)",
			general, w.call.Envelope, general-w.call.Envelope), ErrTypeRejected)
	}
	return nil
}

func (w *callWF) decide(ctx workflow.Context, in DecideInput) (DecideResult, error) {
	w.updates++
	var grants []activities.Grant
	d := DecisionSummary{Decree: strings.TrimSpace(in.Decree), By: in.By, At: workflow.Now(ctx), BudgetYear: w.st.BudgetYear}
	for _, g := range in.Grants {
		grants = append(grants, activities.Grant{Reference: g.Reference, Amount: g.Amount})
		d.Grants = append(d.Grants, DecisionGrant{Reference: g.Reference, Amount: g.Amount})
		d.Total += g.Amount
	}
	// Taken now so a concurrent decision is refused by its validator.
	w.st.Stage, w.st.Decision = StageDecided, &d
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	w.recording = true
	err := workflow.ExecuteActivity(actx, act.RecordDecision, activities.RecordDecisionInput{
		CallID: w.call.ID, Decree: d.Decree, By: in.By, At: d.At, BudgetYear: w.st.BudgetYear, Grants: grants}).Get(ctx, nil)
	w.recording = false
	if err != nil {
		w.st.Stage, w.st.Decision = StageProposed, nil
		return DecideResult{}, fmt.Errorf("decision not recorded: %w", err)
	}
	w.st.MailPending, w.wake = true, true
	w.unsubscribe(ctx)
	w.publish(ctx)
	return DecideResult{Granted: len(grants), Total: d.Total}, nil
}

func (w *callWF) validateCarryOver(_ workflow.Context, in CarryOverInput) error {
	if w.st.Stage != StageLapsed {
		return wrongStage("%s is at stage %q; only a lapsed call is carried over", w.call.ID, w.st.Stage)
	}
	if in.BudgetYear <= w.st.BudgetYear || in.BudgetYear > w.st.BudgetYear+3 {
		return refuse("budget_year", fmt.Sprintf("want a year after %d (at most %d), got %d", w.st.BudgetYear, w.st.BudgetYear+3, in.BudgetYear))
	}
	return officer(in.By)
}

func (w *callWF) carryOver(ctx workflow.Context, in CarryOverInput) (CarryOverResult, error) {
	w.updates++
	w.st.Stage, w.st.BudgetYear, w.st.LapseAt = StageProposed, in.BudgetYear, w.call.BudgetClose(in.BudgetYear)
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	err := workflow.ExecuteActivity(actx, act.SetCallStatus, activities.SetCallStatusInput{
		CallID: w.call.ID, Status: "carried-over", BudgetYear: in.BudgetYear}).Get(ctx, nil)
	if err != nil {
		return CarryOverResult{}, err
	}
	w.wake = true
	w.publish(ctx)
	return CarryOverResult{LapseAt: w.st.LapseAt}, nil
}

func (w *callWF) validateCancel(_ workflow.Context, in CancelInput) error {
	switch w.st.Stage {
	case StageDecided, StageCancelled, StageNoEligible:
		return wrongStage("%s is at stage %q and can no longer be cancelled", w.call.ID, w.st.Stage)
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || strings.ContainsAny(reason, "\r\n") || utf8.RuneCountInString(reason) > MaxReasonLen {
		return refuse("reason", fmt.Sprintf("required, one line of at most %d characters; every applicant receives it", MaxReasonLen))
	}
	return officer(in.By)
}

func (w *callWF) cancel(ctx workflow.Context, in CancelInput) (CancelResult, error) {
	w.updates++
	// A cancellation sent right after the launch waits for the call's row,
	// which CancelCall updates (else: "not in the database").
	if err := workflow.Await(ctx, func() bool { return w.st.Saved }); err != nil {
		return CancelResult{}, err
	}
	prev := w.st.Stage
	w.st.Stage = StageCancelled
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	err := workflow.ExecuteActivity(actx, act.CancelCall, activities.CancelCallInput{
		CallID: w.call.ID, Reason: strings.TrimSpace(in.Reason), By: in.By}).Get(ctx, nil)
	if err != nil {
		w.st.Stage = prev
		return CancelResult{}, fmt.Errorf("cancel: %w", err)
	}
	w.st.EndReason = strings.TrimSpace(in.Reason) + " (" + in.By + ")"
	w.st.MailPending, w.wake = true, true
	w.publish(ctx)
	return CancelResult{}, nil
}
