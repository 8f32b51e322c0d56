package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/intake"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// validateSubmit runs before anything is written: a batch with any bad
// row is rejected whole, never enters history, and the error's details
// list every bad row so the CLI can drop them and resubmit the rest.
func (w *callWF) validateSubmit(ctx workflow.Context, in SubmitInput) error {
	if w.draining {
		return temporal.NewApplicationError(w.call.ID+" is moving to a new run; retry in a moment", ErrTypeHandover)
	}
	if w.st.Stage != StageOpen {
		return wrongStage("%s: %s (%s)", w.call.ID, intake.ErrClosed, w.st.CloseReason)
	}
	if err := officer(in.By); err != nil {
		return err
	}
	if len(in.Submissions) == 0 || len(in.Submissions) > MaxBatch {
		return rejected(fmt.Sprintf("a batch holds 1 to %d applications, got %d", MaxBatch, len(in.Submissions)))
	}
	now := workflow.Now(ctx)
	if !now.Before(w.st.Deadline) {
		return wrongStage("%s: %s: the deadline %s has passed", w.call.ID, intake.ErrClosed, brussels(w.st.Deadline))
	}
	call := w.call
	call.Deadline = w.st.Deadline
	var rows []RowReason
	seenKey, seenToken := map[string]int{}, map[string]bool{}
	for i, s := range in.Submissions {
		var reasons []string
		if err := intake.CheckSubmission(call, s, now); err != nil {
			reasons = append(reasons, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		key := intake.DuplicateKey(s.Association, s.Title)
		if ref, ok := w.st.DupKeys[key]; ok {
			reasons = append(reasons, fmt.Sprintf("duplicate: %s already applied with this title (%s)", s.Association, ref))
		} else if j, ok := seenKey[key]; ok {
			reasons = append(reasons, fmt.Sprintf("duplicate: same applicant and title as submission %d of this batch", j+1))
		}
		if seenToken[s.Token] {
			reasons = append(reasons, "token used twice in this batch")
		}
		seenKey[key], seenToken[s.Token] = i, true
		if len(reasons) > 0 {
			rows = append(rows, RowReason{Index: i, Reason: strings.Join(reasons, "; ")})
		}
	}
	return rowsRejected("submission", rows)
}

// rowsRejected refuses a batch, listing every bad row in the message and,
// for the CLI, in the error's details.
func rowsRejected(what string, rows []RowReason) error {
	return rowsRejectedBy(rows, func(i int) string { return fmt.Sprintf("%s %d", what, i+1) })
}

// rowsRejectedBy is rowsRejected with each row named by label(index).
func rowsRejectedBy(rows []RowReason, label func(int) string) error {
	if len(rows) == 0 {
		return nil
	}
	var msg []string
	for _, r := range rows {
		msg = append(msg, fmt.Sprintf("%s: %s", label(r.Index), r.Reason))
	}
	return temporal.NewApplicationErrorWithOptions(strings.Join(msg, "\n"), ErrTypeRejected,
		temporal.ApplicationErrorOptions{Details: []any{Rejection{Rows: rows}}})
}

// submit assigns references and records the batch. References and
// duplicate keys are taken before the first yield, so a concurrent
// update validated afterwards sees them.
func (w *callWF) submit(ctx workflow.Context, in SubmitInput) (SubmitResult, error) {
	w.updates++
	var res SubmitResult
	var batch []activities.AcceptedApplication
	for i, s := range in.Submissions {
		key := intake.DuplicateKey(s.Association, s.Title)
		if ref, ok := w.st.DupKeys[key]; ok {
			// Two updates validated in the same workflow task can both
			// carry it; the first one recorded wins.
			res.Refused = append(res.Refused, RowReason{Index: i, Reason: "duplicate: already applied as " + ref})
			res.References = append(res.References, "")
			continue
		}
		w.st.NextSeq++
		ref := Reference(w.call.ID, w.st.NextSeq)
		w.st.DupKeys[key] = ref
		res.References = append(res.References, ref)
		batch = append(batch, activities.AcceptedApplication{Reference: ref, Seq: w.st.NextSeq, Token: s.Token,
			Association: s.Association, Title: s.Title, Region: s.Region, Amount: s.Amount, DupKey: key})
	}
	if len(batch) == 0 {
		return res, nil
	}
	w.st.Submitted += len(batch)
	// An application sent right after the launch waits for the call's row.
	if err := workflow.Await(ctx, func() bool { return w.st.Saved }); err != nil {
		return SubmitResult{}, err
	}
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	err := workflow.ExecuteActivity(actx, act.RecordApplications, activities.RecordApplicationsInput{
		CallID: w.call.ID, SubmittedAt: workflow.Now(ctx), Applications: batch}).Get(ctx, nil)
	if err != nil {
		// Nothing was committed (one transaction): give the keys back.
		for _, a := range batch {
			delete(w.st.DupKeys, a.DupKey)
		}
		w.st.Submitted -= len(batch)
		return SubmitResult{}, fmt.Errorf("record applications: %w", err)
	}
	w.st.MailPending = true
	w.publish(ctx)
	return res, nil
}

func (w *callWF) validateClose(_ workflow.Context, in CloseInput) error {
	if w.st.Stage != StageOpen {
		return alreadyDone("%s: submissions are already closed (%s); the call is at stage %q", w.call.ID, w.st.CloseReason, w.st.Stage)
	}
	return officer(in.By)
}

func (w *callWF) close(ctx workflow.Context, in CloseInput) (CloseResult, error) {
	w.updates++
	reason := "closed early"
	if r := strings.TrimSpace(in.Reason); r != "" {
		reason += " (" + r + ")"
	}
	w.closeWindow(ctx, reason, in.By)
	return CloseResult{ClosedAt: w.st.ClosedAt, Submitted: w.st.Submitted}, nil
}

func (w *callWF) validateExtend(ctx workflow.Context, in ExtendInput) error {
	if w.st.Stage != StageOpen {
		return wrongStage("%s: submissions are closed (%s); a closed window cannot be extended", w.call.ID, w.st.CloseReason)
	}
	if err := officer(in.By); err != nil {
		return err
	}
	if !in.Deadline.After(workflow.Now(ctx)) {
		return rejected(fmt.Sprintf("the new deadline %s is not in the future", brussels(in.Deadline)))
	}
	if in.Deadline.Equal(w.st.Deadline) {
		return rejected("the deadline is already " + brussels(in.Deadline))
	}
	if in.Deadline.Sub(w.st.Deadline) > 366*24*time.Hour {
		return rejected("a deadline can be moved by at most a year at a time")
	}
	return nil
}

// extend moves the deadline; the main loop's timer is re-armed on wake.
func (w *callWF) extend(ctx workflow.Context, in ExtendInput) (ExtendResult, error) {
	w.updates++
	prev := w.st.Deadline
	w.st.Deadline = in.Deadline
	w.wake = true
	w.publish(ctx)
	return ExtendResult{Previous: prev, Deadline: in.Deadline}, nil
}
