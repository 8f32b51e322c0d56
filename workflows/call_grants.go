package workflows

import (
	"fmt"

	"github.com/callcycle/callcycle/activities"
	"go.temporal.io/sdk/workflow"
)

// GrantStartBatch is how many grant workflows one activity starts: a
// call with 1,000 grants costs 10 activities in its history, and never
// more than one batch of starts is in flight.
const GrantStartBatch = 100

// runGrants starts the decided grants in bounded batches, then waits
// until every grant reports itself closed.
func (w *callWF) runGrants(ctx workflow.Context) error {
	// Runs recorded before grants-after-decision scheduled StartGrants
	// beside RecordDecision; they replay that way.
	if workflow.GetVersion(ctx, VersionGrantsAfterDecision, workflow.DefaultVersion, 1) == 1 {
		if err := workflow.Await(ctx, func() bool { return !w.recording }); err != nil {
			return err
		}
		if w.st.Stage != StageDecided { // not recorded: the handler put the call back to its proposal
			return nil
		}
	}
	grants := w.st.Decision.Grants
	for w.st.GrantsStarted < len(grants) {
		end := min(w.st.GrantsStarted+GrantStartBatch, len(grants))
		var batch []activities.Grant
		for _, g := range grants[w.st.GrantsStarted:end] {
			batch = append(batch, activities.Grant{Reference: g.Reference, Amount: g.Amount})
		}
		actx := workflow.WithActivityOptions(ctx, fileOptions)
		if err := workflow.ExecuteActivity(actx, act.StartGrants, activities.StartGrantsInput{CallID: w.call.ID, Grants: batch}).Get(ctx, nil); err != nil {
			return fmt.Errorf("start grants: %w", err)
		}
		w.st.GrantsStarted = end
		w.publish(ctx)
		if w.continueSuggested(ctx) {
			return errContinue
		}
	}
	if _, err := w.waitFor(ctx, func() bool { return w.st.ClosedCount >= len(grants) }); err != nil {
		return err
	}
	w.st.Stage = StageCompleted
	w.st.MailPending = true // closing mails of the last grants
	w.publish(ctx)
	return nil
}

// receiveGrantClosed counts closed grants (each once, whatever retries).
func (w *callWF) receiveGrantClosed(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalGrantClosed)
	for {
		var s GrantClosedSignal
		if !ch.Receive(ctx, &s) {
			return
		}
		w.takeGrantClosed(ctx, s)
	}
}

func (w *callWF) takeGrantClosed(ctx workflow.Context, s GrantClosedSignal) {
	seq, ok := w.seqOf(s.Reference)
	if !ok || w.st.GrantsClosed.has(seq) {
		return
	}
	w.st.GrantsClosed.set(seq, true)
	w.st.ClosedCount++
	w.st.Paid += s.Paid
	w.st.Recovered += s.Recovery
	// The grant delivered its own closing mail; before call-lean the call
	// ran a delivery of its whole outbox after every closure too (one
	// activity per grant, contending with the grants' own claims). The
	// final delivery when the call ends still leaves nothing behind.
	if !w.lean {
		w.st.MailPending = true
	}
	w.publish(ctx)
}

func (w *callWF) drainGrantClosed(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalGrantClosed)
	var s GrantClosedSignal
	for ch.ReceiveAsync(&s) {
		w.takeGrantClosed(ctx, s)
	}
}
