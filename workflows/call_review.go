package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// runScreening applies the automatic checks once, then waits until every
// application has a verdict or the officer ends screening.
func (w *callWF) runScreening(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	if !w.st.AutoScreened {
		var res activities.AutoScreenResult
		if err := workflow.ExecuteActivity(actx, act.AutoScreen, activities.AutoScreenInput{CallID: w.call.ID, At: workflow.Now(ctx)}).Get(ctx, &res); err != nil {
			return fmt.Errorf("automatic screening: %w", err)
		}
		for _, seq := range res.Ineligible {
			if !w.st.Screened.has(seq) {
				w.st.Screened.set(seq, true)
				w.st.ScreenedCount++
			}
		}
		w.st.AutoScreened = true
		w.st.MailPending = w.st.MailPending || len(res.Ineligible) > 0
		w.publish(ctx)
	}
	done := func() bool {
		return w.inFlight == 0 && (w.st.ScreenedCount >= w.st.Submitted || w.st.ScreeningEnded)
	}
	if _, err := w.waitFor(ctx, done); err != nil {
		return err
	}
	if w.st.ScreenedCount < w.st.Submitted {
		var res activities.EndScreeningResult
		err := workflow.ExecuteActivity(actx, act.EndScreening, activities.EndScreeningInput{
			CallID: w.call.ID, By: w.st.ScreeningEndBy, At: workflow.Now(ctx)}).Get(ctx, &res)
		if err != nil {
			return fmt.Errorf("end screening: %w", err)
		}
		for seq := 1; seq <= w.st.NextSeq; seq++ {
			if !w.st.Screened.has(seq) {
				w.st.Screened.set(seq, true)
				w.st.Eligible.set(seq, true)
			}
		}
		w.st.EligibleCount += w.st.Submitted - w.st.ScreenedCount
		w.st.ScreenedCount = w.st.Submitted
	}
	w.st.Stage = StageReview
	if w.st.EligibleCount == 0 {
		w.st.Stage = StageNoEligible
	}
	w.publish(ctx)
	return nil
}

// runReview sends the scoring workbook once, then waits for the import.
func (w *callWF) runReview(ctx workflow.Context) error {
	if !w.st.ScoringExported {
		var res activities.ExportScoringResult
		actx := workflow.WithActivityOptions(ctx, fileOptions)
		if err := workflow.ExecuteActivity(actx, act.ExportScoring, activities.ExportScoringInput{CallID: w.call.ID}).Get(ctx, &res); err != nil {
			return fmt.Errorf("export scoring workbook: %w", err)
		}
		w.st.ScoringExported, w.st.ScoringPath, w.st.MailPending = true, res.Path, true
		w.publish(ctx)
	}
	ranked := func() bool { return w.st.Proposal != nil && !w.importing }
	if at := w.call.CommitteeReminders(); len(at) > 0 && w.st.CommitteeReminded < len(at) &&
		workflow.GetVersion(ctx, VersionCommitteeReminders, workflow.DefaultVersion, 1) == 1 {
		if err := w.remindCommittee(ctx, at, ranked); err != nil {
			return err
		}
	}
	if _, err := w.waitFor(ctx, ranked); err != nil {
		return err
	}
	w.st.Stage = StageProposed
	w.publish(ctx)
	return nil
}

// remindCommittee waits for each reminder moment in turn (at, earliest
// first) until the ranking is made, and at each one has the reviewers
// who have not returned mailed. Only the latest moment already passed is
// sent (a call reaching review late does not send a burst of old
// reminders), and none after the committee deadline. Who has not
// returned is the activity's question to PostgreSQL: no reviewer goes
// through history.
func (w *callWF) remindCommittee(ctx workflow.Context, at []callspec.CommitteeReminder, ranked func() bool) error {
	for w.st.CommitteeReminded < len(at) {
		r := at[w.st.CommitteeReminded]
		if wait := r.At.Sub(workflow.Now(ctx)); wait > 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return ranked() || w.continueSuggested(ctx) }); err != nil {
				return err
			}
			if ranked() {
				return nil
			}
			if w.continueSuggested(ctx) {
				return errContinue
			}
			continue // the moment has come: send it on the next turn
		}
		now := workflow.Now(ctx)
		next := w.st.CommitteeReminded + 1
		late := next < len(at) && !at[next].At.After(now) || !now.Before(w.call.Committee.Deadline)
		if !late {
			var res activities.RemindReviewersResult
			actx := workflow.WithActivityOptions(ctx, dbOptions)
			if err := workflow.ExecuteActivity(actx, act.RemindReviewers, activities.RemindReviewersInput{
				CallID: w.call.ID, DaysBefore: r.DaysBefore}).Get(ctx, &res); err != nil {
				return fmt.Errorf("committee reminder: %w", err)
			}
			// Always: a retried activity whose first try committed queues
			// nothing the second time, and its mails must still go out.
			w.st.MailPending = true
		}
		w.st.CommitteeReminded = next
	}
	return nil
}

// seqOf parses "AP-SUD-2024-0007" for this call.
func (w *callWF) seqOf(ref string) (int, bool) {
	num, ok := strings.CutPrefix(ref, w.call.ID+"-")
	if !ok {
		return 0, false
	}
	seq, err := strconv.Atoi(num)
	if err != nil || seq < 1 || seq > w.st.NextSeq || Reference(w.call.ID, seq) != ref {
		return 0, false
	}
	return seq, true
}

// MaxReasonLen bounds an ineligibility reason (it goes into a mail).
const MaxReasonLen = 500

func (w *callWF) validateScreen(_ workflow.Context, in ScreenInput) error {
	if w.draining {
		return temporal.NewApplicationError(w.call.ID+" is moving to a new run; retry in a moment", ErrTypeHandover)
	}
	if w.st.Stage != StageScreening {
		return wrongStage("%s is at stage %q; verdicts are taken during screening", w.call.ID, w.st.Stage)
	}
	if err := officer(in.By); err != nil {
		return err
	}
	if len(in.Verdicts) == 0 || len(in.Verdicts) > MaxBatch {
		return rejected(fmt.Sprintf("a batch holds 1 to %d verdicts, got %d", MaxBatch, len(in.Verdicts)))
	}
	var rows []RowReason
	seen := map[int]bool{}
	for i, v := range in.Verdicts {
		var why []string
		seq, ok := w.seqOf(v.Reference)
		switch {
		case !ok:
			why = append(why, fmt.Sprintf("%q is not an application of %s", v.Reference, w.call.ID))
		case w.st.Screened.has(seq):
			why = append(why, v.Reference+" already has a verdict (a verdict is final; its notice was sent)")
		case seen[seq]:
			why = append(why, v.Reference+" appears twice in this batch")
		}
		reason := strings.TrimSpace(v.Reason)
		switch {
		case !v.Eligible && reason == "":
			why = append(why, "an ineligible verdict needs a reason; the applicant is told why")
		case v.Eligible && reason != "":
			why = append(why, "an eligible verdict takes no reason")
		case strings.ContainsAny(reason, "\r\n\x00") || utf8.RuneCountInString(reason) > MaxReasonLen || !utf8.ValidString(reason):
			why = append(why, fmt.Sprintf("the reason must be one line of at most %d characters", MaxReasonLen))
		}
		seen[seq] = true
		if len(why) > 0 {
			rows = append(rows, RowReason{Index: i, Reason: strings.Join(why, "; ")})
		}
	}
	return rowsRejected("verdict", rows)
}

func (w *callWF) screen(ctx workflow.Context, in ScreenInput) (ScreenResult, error) {
	w.updates++
	w.inFlight++
	defer func() { w.inFlight-- }()
	// Mark first, so a concurrent batch for the same reference is refused.
	verdicts := make([]activities.Verdict, len(in.Verdicts))
	eligible := 0
	for i, v := range in.Verdicts {
		seq, _ := w.seqOf(v.Reference)
		w.st.Screened.set(seq, true)
		w.st.Eligible.set(seq, v.Eligible)
		verdicts[i] = activities.Verdict{Reference: v.Reference, Eligible: v.Eligible, Reason: strings.TrimSpace(v.Reason)}
		if v.Eligible {
			eligible++
		}
	}
	actx := workflow.WithActivityOptions(ctx, dbOptions)
	err := workflow.ExecuteActivity(actx, act.RecordVerdicts, activities.RecordVerdictsInput{
		CallID: w.call.ID, By: in.By, At: workflow.Now(ctx), Verdicts: verdicts}).Get(ctx, nil)
	if err != nil {
		for _, v := range in.Verdicts {
			seq, _ := w.seqOf(v.Reference)
			w.st.Screened.set(seq, false)
			w.st.Eligible.set(seq, false)
		}
		return ScreenResult{}, fmt.Errorf("record verdicts: %w", err)
	}
	w.st.ScreenedCount += len(in.Verdicts)
	w.st.EligibleCount += eligible
	w.st.MailPending = w.st.MailPending || eligible < len(in.Verdicts)
	w.publish(ctx)
	return ScreenResult{Recorded: len(in.Verdicts), Pending: w.st.Submitted - w.st.ScreenedCount}, nil
}

func (w *callWF) validateEndScreening(_ workflow.Context, in EndScreeningInput) error {
	switch {
	case w.st.Stage == StageOpen:
		return wrongStage("%s: submissions are still open; screening starts when the window closes", w.call.ID)
	case w.st.Stage != StageScreening:
		return alreadyDone("%s: screening has already ended; the call is at stage %q", w.call.ID, w.st.Stage)
	case w.st.ScreeningEnded:
		return alreadyDone("%s: screening is already ending", w.call.ID)
	}
	return officer(in.By)
}

func (w *callWF) endScreening(ctx workflow.Context, in EndScreeningInput) (EndScreeningResult, error) {
	w.updates++
	w.st.ScreeningEnded, w.st.ScreeningEndBy = true, in.By
	return EndScreeningResult{Pending: w.st.Submitted - w.st.ScreenedCount}, nil
}

func (w *callWF) validateImportScores(_ workflow.Context, in ImportScoresInput) error {
	if w.st.Stage != StageReview {
		return wrongStage("%s is at stage %q; scores are imported during committee review", w.call.ID, w.st.Stage)
	}
	if !w.st.ScoringExported {
		return wrongStage("%s: the scoring workbook is still being written; try again in a moment", w.call.ID)
	}
	if w.importing {
		return wrongStage("%s: another scores import is being applied", w.call.ID)
	}
	if w.st.Proposal != nil {
		return wrongStage("%s: scores were already imported by %s", w.call.ID, w.st.Proposal.ImportedBy)
	}
	if len(in.ImportID) != 36 {
		return rejected("import id missing")
	}
	return officer(in.By)
}

// importScores applies a staged workbook. If the activity refuses it
// (it no longer matches the database), the update fails with the
// problems and the call stays in review for a corrected workbook.
func (w *callWF) importScores(ctx workflow.Context, in ImportScoresInput) (ImportScoresResult, error) {
	w.updates++
	w.importing = true
	defer func() { w.importing = false }()
	var res activities.ApplyScoresResult
	actx := workflow.WithActivityOptions(ctx, fileOptions)
	err := workflow.ExecuteActivity(actx, act.ApplyScores, activities.ApplyScoresInput{
		CallID: w.call.ID, ImportID: in.ImportID, By: in.By, At: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		return ImportScoresResult{}, fmt.Errorf("scores not imported: %w", err)
	}
	p := ProposalSummary{Ranked: res.Ranked, Selected: res.Selected, SelectedTotal: res.SelectedTotal,
		Path: res.ProposalPath, ImportedBy: in.By, ImportedAt: workflow.Now(ctx)}
	for _, e := range res.Envelopes {
		p.Envelopes = append(p.Envelopes, EnvelopeUse{Region: e.Region, Amount: e.Amount, Used: e.Used})
	}
	for _, k := range res.Picks {
		p.Picks = append(p.Picks, Pick{Reference: k.Reference, Region: k.Region, Amount: k.Amount, Envelope: k.Envelope})
	}
	w.st.Proposal = &p
	w.publish(ctx)
	return ImportScoresResult{Proposal: p}, nil
}
