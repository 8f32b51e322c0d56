package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/words"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// act is only used for method values: workflow code never calls it.
var act *activities.Activities

// callWF is one run of a call workflow.
type callWF struct {
	call      callspec.Call
	inFlight  int  // verdict batches being recorded
	importing bool // a scores import is being applied
	final     bool // the call is ending: the last delivery must leave nothing
	draining  bool // handing over to a new run
	st        *CallState
	maxUpd    int
	updates   int  // updates accepted by this run
	wake      bool // a handler changed something the main loop waits on
	mailBusy  bool
	canReason string
	lean      bool // VersionCallLean
	recording bool // the decide handler is recording the decision (VersionGrantsAfterDecision)
}

// CallWorkflow runs a call from launch through the close of submissions.
func CallWorkflow(ctx workflow.Context, in CallInput) (CallResult, error) {
	w := &callWF{call: in.Call, st: in.State, maxUpd: in.MaxUpdatesPerRun}
	// Runs recorded before call-lean upserted the search attributes on
	// every change and delivered the call's mail on every grant closure;
	// they replay that way (a run takes the new way from its next
	// continue-as-new).
	w.lean = workflow.GetVersion(ctx, VersionCallLean, workflow.DefaultVersion, 1) == 1
	if w.maxUpd <= 0 {
		w.maxUpd = DefaultMaxUpdatesPerRun
	}
	if w.st == nil {
		w.st = &CallState{Stage: StageOpen, Deadline: in.Call.Deadline, LaunchedAt: workflow.Now(ctx), DupKeys: map[string]string{}}
	}
	w.st.Runs++
	if err := w.register(ctx); err != nil {
		return CallResult{}, err
	}
	w.publish(ctx)
	workflow.Go(ctx, w.mailLoop)
	workflow.Go(ctx, w.receiveGovernment)
	workflow.Go(ctx, w.receiveGrantClosed)

	if !w.st.Announced {
		if err := w.launch(ctx); err != nil {
			return CallResult{}, err
		}
	}
	// Each stage runs its entry step once (flags in the state survive
	// continue-as-new), then waits for people. errContinue hands over to a
	// fresh run.
	for {
		var err error
		switch w.st.Stage {
		case StageOpen:
			err = w.runOpen(ctx)
		case StageScreening:
			err = w.runScreening(ctx)
		case StageReview:
			err = w.runReview(ctx)
		case StageProposed:
			err = w.runApproval(ctx)
		case StageLapsed:
			_, err = w.waitFor(ctx, func() bool { return w.st.Stage != StageLapsed })
		case StageDecided:
			err = w.runGrants(ctx)
		default: // completed, cancelled, no eligible application: the call ends
			w.unsubscribe(ctx)
			// A last delivery that waits out mails held by attempts of a
			// worker that died, so none is left behind when the call ends.
			w.final, w.st.MailPending = true, true
			if err := workflow.Await(ctx, func() bool { return !w.st.MailPending && !w.mailBusy && workflow.AllHandlersFinished(ctx) }); err != nil {
				return CallResult{}, err
			}
			return CallResult{Stage: w.st.Stage, Submitted: w.st.Submitted}, nil
		}
		if errors.Is(err, errContinue) {
			return CallResult{}, w.continueAsNew(ctx, in)
		}
		if err != nil {
			return CallResult{}, err
		}
	}
}

// errContinue tells the main loop the run should continue as new.
var errContinue = errors.New("continue as new")

// waitFor blocks until cond holds, or returns errContinue when the run
// has grown enough to hand over.
func (w *callWF) waitFor(ctx workflow.Context, cond func() bool) (bool, error) {
	if err := workflow.Await(ctx, func() bool { return cond() || w.continueSuggested(ctx) }); err != nil {
		return false, err
	}
	if cond() {
		return true, nil
	}
	return false, errContinue
}

func (w *callWF) runOpen(ctx workflow.Context) error {
	for w.st.Stage == StageOpen {
		wait := w.st.Deadline.Sub(workflow.Now(ctx))
		if wait <= 0 {
			w.closeWindow(ctx, "deadline", "")
			return nil
		}
		w.wake = false
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return w.wake || w.continueSuggested(ctx) }); err != nil {
			return err
		}
		if w.continueSuggested(ctx) {
			return errContinue
		}
	}
	return nil
}

func (w *callWF) launch(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	if err := workflow.ExecuteActivity(actx, act.SaveCall, activities.SaveCallInput{Call: w.call, LaunchedAt: w.st.LaunchedAt}).Get(ctx, nil); err != nil {
		return fmt.Errorf("save call: %w", err)
	}
	w.st.Saved = true
	var res activities.AnnounceLaunchResult
	if err := workflow.ExecuteActivity(actx, act.AnnounceLaunch, activities.AnnounceLaunchInput{CallID: w.call.ID}).Get(ctx, &res); err != nil {
		return fmt.Errorf("announce launch: %w", err)
	}
	w.st.Announced = true
	w.st.MailPending = true
	return nil
}

// mailLoop delivers the outbox whenever a handler queued mail. It runs
// beside the main loop so a slow or down SMTP relay never delays the
// deadline or blocks submissions.
func (w *callWF) mailLoop(ctx workflow.Context) {
	actx := workflow.WithActivityOptions(ctx, mailOptions)
	for {
		if err := workflow.Await(ctx, func() bool { return w.st.MailPending }); err != nil {
			return
		}
		w.st.MailPending, w.mailBusy = false, true
		var res activities.DeliverMailResult
		err := workflow.ExecuteActivity(actx, act.DeliverMail, activities.DeliverMailInput{CallID: w.call.ID, Final: w.final}).Get(ctx, &res)
		w.mailBusy = false
		if err != nil {
			workflow.GetLogger(ctx).Error("mail delivery failed; will retry on next mail", "error", err)
			w.st.MailPending = true
			_ = workflow.Sleep(ctx, time.Minute)
		}
	}
}

func (w *callWF) closeWindow(ctx workflow.Context, reason, by string) {
	w.st.Stage = StageScreening
	w.st.DupKeys = nil // duplicates only matter while the window is open
	w.st.ClosedAt = workflow.Now(ctx)
	w.st.CloseReason = reason
	if by != "" {
		w.st.CloseReason = reason + " by " + by
	}
	w.wake = true
	w.publish(ctx)
}

func (w *callWF) continueSuggested(ctx workflow.Context) bool {
	return w.updates >= w.maxUpd || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// continueAsNew hands the state to a fresh run once every handler is done,
// so no accepted update is lost. An in-flight mail delivery is simply
// redone by the next run (the outbox makes that safe).
func (w *callWF) continueAsNew(ctx workflow.Context, in CallInput) error {
	// New batches are turned away while the handlers drain (the CLI
	// retries them on the next run); otherwise a steady import would keep
	// this run from ever handing over.
	w.draining = true
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	carryMail := func() { w.st.MailPending = w.st.MailPending || w.mailBusy }
	carryMail()
	w.drainGovernment(ctx)
	w.drainGrantClosed(ctx)
	// A signal that arrived in this very workflow task may already be
	// handed to a receiver coroutine blocked in Receive (not in the
	// channel, so not drained above); it runs after this one. Let it
	// run before the state is serialized, or the new run never counts
	// that grant (the 1,000-grant bench waited forever on 999).
	yielded := false
	if err := workflow.Await(ctx, func() bool { y := yielded; yielded = true; return y }); err != nil {
		return err
	}
	w.drainGovernment(ctx)
	w.drainGrantClosed(ctx)
	// The mail loop ran too and may have taken the pending flag for
	// a delivery this run will not finish: carry it again.
	carryMail()
	workflow.GetLogger(ctx).Info("continuing as new", "updates", w.updates, "history", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	in.State = w.st
	in.Call = w.call
	return workflow.NewContinueAsNewError(ctx, CallWorkflow, in)
}

// publish shows the state where managers look: search attributes for
// lists and filters, current details for the workflow page.
func (w *callWF) publish(ctx workflow.Context) {
	if !w.lean || !w.searchAttributesCurrent(ctx) {
		_ = workflow.UpsertTypedSearchAttributes(ctx,
			SACallID.ValueSet(w.call.ID), SACallKind.ValueSet(w.call.Kind),
			SACallYear.ValueSet(int64(w.call.Year)), SACallStage.ValueSet(w.st.Stage),
			SACallPaused.ValueSet(w.paused()))
	}
	s := w.status(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Stage:** %s  \n**Waiting for:** %s  \n**Applications:** %d (eligible %d, ineligible %d, to screen %d)  \n**Deadline:** %s",
		s.Stage, s.WaitingFor, s.Submitted, s.Screening.Eligible, s.Screening.Ineligible, s.Screening.Pending, brussels(s.Deadline)))
}

// searchAttributesCurrent: the call's search attributes already say what
// an upsert would. Each upsert is a history event and a visibility write;
// most changes (a batch of applications, a grant closed) move none of
// them, and a call taking 1,000 grant closures would otherwise spend a
// fifth of its history on upserts.
func (w *callWF) searchAttributesCurrent(ctx workflow.Context) bool {
	sa := workflow.GetTypedSearchAttributes(ctx)
	id, _ := sa.GetKeyword(SACallID)
	kind, _ := sa.GetKeyword(SACallKind)
	year, _ := sa.GetInt64(SACallYear)
	stage, _ := sa.GetKeyword(SACallStage)
	paused, ok := sa.GetBool(SACallPaused)
	return ok && id == w.call.ID && kind == w.call.Kind && year == int64(w.call.Year) && stage == w.st.Stage && paused == w.paused()
}

func (w *callWF) status(ctx workflow.Context) StatusResult {
	s := StatusResult{CallID: w.call.ID, Kind: w.call.Kind, Year: w.call.Year, Title: w.call.Title,
		Stage: w.st.Stage, Deadline: w.st.Deadline, LaunchedAt: w.st.LaunchedAt, ClosedAt: w.st.ClosedAt,
		CloseReason: w.st.CloseReason, Submitted: w.st.Submitted, Envelope: envelope(w.call).String(), Runs: w.st.Runs}
	s.Screening = ScreeningStatus{Screened: w.st.ScreenedCount, Eligible: w.st.EligibleCount,
		Ineligible: w.st.ScreenedCount - w.st.EligibleCount, Pending: w.st.Submitted - w.st.ScreenedCount}
	s.ScoringPath, s.Proposal = w.st.ScoringPath, w.st.Proposal
	switch w.st.Stage {
	case StageOpen:
		s.WaitingFor = "applications until " + brussels(w.st.Deadline)
	case StageScreening:
		s.WaitingFor = fmt.Sprintf("eligibility verdicts: %d of %s still to screen (`starter screen`)", s.Screening.Pending, words.Count(w.st.Submitted, "application", "applications"))
	case StageReview:
		s.WaitingFor = fmt.Sprintf("the committee's scoring workbook for %d eligible applications (`starter review import`)", w.st.EligibleCount)
		if d := w.call.Committee.Deadline; !d.IsZero() {
			s.WaitingFor += ", or every reviewer's own sheet, due " + brussels(d)
		}
	case StageProposed:
		s.WaitingFor = fmt.Sprintf("the government's decision on the proposal: %d projects, %s (budget %d, lapses %s)",
			w.st.Proposal.Selected, w.st.Proposal.SelectedTotal, w.st.BudgetYear, brussels(w.st.LapseAt))
		if w.paused() {
			s.WaitingFor = "paused: caretaker mode since " + day(w.st.Gov.Since) + "; " + s.WaitingFor
		}
	case StageLapsed:
		s.WaitingFor = fmt.Sprintf("the officer: the call lapsed with the %d budget (`starter carry-over` or `starter cancel`)", w.st.BudgetYear)
	case StageDecided:
		s.WaitingFor = fmt.Sprintf("grant execution: %d of %d grants closed, %s granted (decree %s)",
			w.st.ClosedCount, len(w.st.Decision.Grants), w.st.Decision.Total, w.st.Decision.Decree)
	case StageCompleted:
		s.WaitingFor = "nothing: every grant is closed"
	case StageNoEligible:
		s.WaitingFor = "nothing: no eligible application"
	case StageCancelled:
		s.WaitingFor = "nothing: cancelled — " + w.st.EndReason
	}
	if waiting := w.st.Approvals.Waiting(); waiting != "" {
		s.WaitingFor = waiting + "; " + s.WaitingFor
	}
	s.Approvals = w.st.Approvals
	s.Paused, s.BudgetYear, s.LapseAt, s.Decision, s.EndReason = w.paused(), w.st.BudgetYear, w.st.LapseAt, w.st.Decision, w.st.EndReason
	if w.st.GovKnown {
		s.Government = w.st.Gov.Describe()
	}
	if w.st.Decision != nil {
		s.Grants = GrantsStatus{Total: len(w.st.Decision.Grants), Started: w.st.GrantsStarted, Closed: w.st.ClosedCount,
			Paid: w.st.Paid, Recovered: w.st.Recovered}
	}
	return s
}

func envelope(c callspec.Call) money.Cents {
	t := c.Envelope
	for _, r := range c.Reserved {
		t += r.Amount
	}
	return t
}

func brussels(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(callspec.Brussels).Format("2006-01-02 15:04 MST")
}

// register installs the query and the update handlers with validators.
func (w *callWF) register(ctx workflow.Context) error {
	err := errors.Join(
		workflow.SetQueryHandler(ctx, QueryStatus, func(StatusQuery) (StatusResult, error) { return w.status(ctx), nil }),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubmit, w.submit, workflow.UpdateHandlerOptions{Validator: w.validateSubmit}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateClose, w.close, workflow.UpdateHandlerOptions{Validator: w.validateClose}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateExtend, w.extend, workflow.UpdateHandlerOptions{Validator: w.validateExtend}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateScreen, w.screen, workflow.UpdateHandlerOptions{Validator: w.validateScreen}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateEndScreening, w.endScreening, workflow.UpdateHandlerOptions{Validator: w.validateEndScreening}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateImportScores, w.importScores, workflow.UpdateHandlerOptions{Validator: w.validateImportScores}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide, w.decide, workflow.UpdateHandlerOptions{Validator: w.validateDecide}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateCarryOver, w.carryOver, workflow.UpdateHandlerOptions{Validator: w.validateCarryOver}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel, w.cancel, workflow.UpdateHandlerOptions{Validator: w.validateCancel}),
		fourEyes(ctx, &w.st.Approvals, map[string]approvable{
			UpdateDecide:    approvableOf(w.validateDecide, w.decide),
			UpdateCancel:    approvableOf(w.validateCancel, w.cancel),
			UpdateCarryOver: approvableOf(w.validateCarryOver, w.carryOver),
		}, w.publish),
	)
	return err
}

func wrongStage(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeWrongStage)
}

func alreadyDone(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeAlreadyDone)
}

func rejected(msg string) error { return temporal.NewApplicationError(msg, ErrTypeRejected) }

func rejectedWith(msg string, details Rejection) error {
	return temporal.NewApplicationError(msg, ErrTypeRejected, details)
}

// refuse is a validator's refusal of one field of the input, named as in
// the input's JSON (front ends map it to their own flag or form field).
func refuse(field, reason string) error { return joinWhy(FieldProblem{Field: field, Reason: reason}) }

func officer(by string) error {
	if strings.TrimSpace(by) == "" || len(by) > 100 || strings.ContainsAny(by, "\r\n") {
		return refuse("actor", "the officer's name is required, one line, at most 100 characters")
	}
	return nil
}
