package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// act is only used for method values: workflow code never calls it.
var act *activities.Activities

// callWF is one run of a call workflow.
type callWF struct {
	call      callspec.Call
	st        *CallState
	maxUpd    int
	updates   int  // updates accepted by this run
	wake      bool // a handler changed something the main loop waits on
	mailBusy  bool
	canReason string
}

// CallWorkflow runs a call from launch through the close of submissions.
func CallWorkflow(ctx workflow.Context, in CallInput) (CallResult, error) {
	w := &callWF{call: in.Call, st: in.State, maxUpd: in.MaxUpdatesPerRun}
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

	if !w.st.Announced {
		if err := w.launch(ctx); err != nil {
			return CallResult{}, err
		}
	}
	for w.st.Stage == StageOpen {
		wait := w.st.Deadline.Sub(workflow.Now(ctx))
		if wait <= 0 {
			w.closeWindow(ctx, "deadline", "")
			break
		}
		w.wake = false
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return w.wake || w.continueSuggested(ctx) }); err != nil {
			return CallResult{}, err
		}
		if w.continueSuggested(ctx) {
			return CallResult{}, w.continueAsNew(ctx, in)
		}
	}
	// Screening and later steps build on this; until then the call waits
	// here, closed, answering queries, and rolling over if it must.
	for w.st.Stage == StageClosed {
		if err := workflow.Await(ctx, func() bool { return w.st.Stage != StageClosed || w.continueSuggested(ctx) }); err != nil {
			return CallResult{}, err
		}
		if w.continueSuggested(ctx) {
			return CallResult{}, w.continueAsNew(ctx, in)
		}
	}
	return CallResult{Stage: w.st.Stage, Submitted: w.st.Submitted}, nil
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
		err := workflow.ExecuteActivity(actx, act.DeliverMail, activities.DeliverMailInput{CallID: w.call.ID}).Get(ctx, &res)
		w.mailBusy = false
		if err != nil {
			workflow.GetLogger(ctx).Error("mail delivery failed; will retry on next mail", "error", err)
			w.st.MailPending = true
			_ = workflow.Sleep(ctx, time.Minute)
		}
	}
}

func (w *callWF) closeWindow(ctx workflow.Context, reason, by string) {
	w.st.Stage = StageClosed
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
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	w.st.MailPending = w.st.MailPending || w.mailBusy
	workflow.GetLogger(ctx).Info("continuing as new", "updates", w.updates, "history", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	in.State = w.st
	in.Call = w.call
	return workflow.NewContinueAsNewError(ctx, CallWorkflow, in)
}

// publish shows the state where managers look: search attributes for
// lists and filters, current details for the workflow page.
func (w *callWF) publish(ctx workflow.Context) {
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		SACallID.ValueSet(w.call.ID), SACallKind.ValueSet(w.call.Kind),
		SACallYear.ValueSet(int64(w.call.Year)), SACallStage.ValueSet(w.st.Stage),
		SACallPaused.ValueSet(false))
	s := w.status(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Stage:** %s  \n**Waiting for:** %s  \n**Applications:** %d  \n**Deadline:** %s",
		s.Stage, s.WaitingFor, s.Submitted, brussels(s.Deadline)))
}

func (w *callWF) status(ctx workflow.Context) StatusResult {
	s := StatusResult{CallID: w.call.ID, Kind: w.call.Kind, Year: w.call.Year, Title: w.call.Title,
		Stage: w.st.Stage, Deadline: w.st.Deadline, LaunchedAt: w.st.LaunchedAt, ClosedAt: w.st.ClosedAt,
		CloseReason: w.st.CloseReason, Submitted: w.st.Submitted, Envelope: envelope(w.call).String(), Runs: w.st.Runs}
	switch w.st.Stage {
	case StageOpen:
		s.WaitingFor = "applications until " + brussels(w.st.Deadline)
	case StageClosed:
		s.WaitingFor = "eligibility screening (submissions closed: " + w.st.CloseReason + ")"
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
	)
	return err
}

func wrongStage(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeWrongStage)
}

func rejected(msg string) error { return temporal.NewApplicationError(msg, ErrTypeRejected) }

func officer(by string) error {
	if strings.TrimSpace(by) == "" || len(by) > 100 || strings.ContainsAny(by, "\r\n") {
		return rejected("officer name (--as) is required, one line, at most 100 characters")
	}
	return nil
}
