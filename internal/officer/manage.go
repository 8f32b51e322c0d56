package officer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/callcycle/callcycle/workflows"
)

// Close ends the submission window before the deadline.
func (e Env) Close(ctx context.Context, callID, reason string) (workflows.CloseResult, error) {
	var res workflows.CloseResult
	if err := e.update(ctx, callID, workflows.UpdateClose, workflows.CloseInput{By: e.By, Reason: reason}, &res); err != nil {
		return res, e.alreadyDone(err)
	}
	fmt.Fprintf(e.Out, "%s: submissions closed at %s with %s\n", callID, res.ClosedAt.In(callspec.Brussels).Format("2006-01-02 15:04 MST"), words.Count(res.Submitted, "application", "applications"))
	return res, nil
}

// Extend moves the deadline; the call's timer follows.
func (e Env) Extend(ctx context.Context, callID, deadline string) (workflows.ExtendResult, error) {
	t, err := callspec.ParseTime(deadline)
	if err != nil {
		return workflows.ExtendResult{}, usage("new deadline: %v", err)
	}
	var res workflows.ExtendResult
	if err := e.update(ctx, callID, workflows.UpdateExtend, workflows.ExtendInput{Deadline: t, By: e.By}, &res); err != nil {
		return res, err
	}
	fmt.Fprintf(e.Out, "%s: deadline moved from %s to %s\n", callID, fmtTime(res.Previous), fmtTime(res.Deadline))
	return res, nil
}

// Status queries the call workflow.
func (e Env) Status(ctx context.Context, callID string, asJSON bool) (workflows.StatusResult, error) {
	var s workflows.StatusResult
	v, err := e.Temporal.QueryWorkflow(ctx, workflows.CallWorkflowID(callID), "", workflows.QueryStatus, workflows.StatusQuery{})
	if err != nil {
		return s, e.explain(callID, err)
	}
	if err := v.Get(&s); err != nil {
		return s, err
	}
	if asJSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		return s, enc.Encode(s)
	}
	fmt.Fprintf(e.Out, "%s — %s (%s %d)\n", s.CallID, s.Title, s.Kind, s.Year)
	fmt.Fprintf(e.Out, "  stage:        %s\n  waiting for:  %s\n  applications: %d\n  deadline:     %s\n  envelope:     %s\n  launched:     %s\n",
		s.Stage, s.WaitingFor, s.Submitted, fmtTime(s.Deadline), s.Envelope, fmtTime(s.LaunchedAt))
	if !s.ClosedAt.IsZero() {
		fmt.Fprintf(e.Out, "  closed:       %s (%s)\n", fmtTime(s.ClosedAt), s.CloseReason)
		sc := s.Screening
		fmt.Fprintf(e.Out, "  screening:    %d eligible, %d ineligible, %d to screen\n", sc.Eligible, sc.Ineligible, sc.Pending)
	}
	if s.ScoringPath != "" {
		fmt.Fprintf(e.Out, "  scoring:      %s\n", s.ScoringPath)
	}
	if p := s.Proposal; p != nil {
		fmt.Fprintf(e.Out, "  proposal:     %d of %d ranked projects, %s (scores imported by %s)\n", p.Selected, p.Ranked, p.SelectedTotal, p.ImportedBy)
		printEnvelopes(e, *p)
	}
	if s.Government != "" {
		fmt.Fprintf(e.Out, "  government:   %s\n", s.Government)
	}
	if s.BudgetYear != 0 {
		fmt.Fprintf(e.Out, "  budget year:  %d (lapses %s without a decision)\n", s.BudgetYear, fmtTime(s.LapseAt))
	}
	if d := s.Decision; d != nil {
		fmt.Fprintf(e.Out, "  decision:     decree %s, %s, %s (entered by %s on %s)\n", d.Decree, words.Count(len(d.Grants), "grant", "grants"), d.Total, d.By, fmtTime(d.At))
	}
	if s.EndReason != "" {
		fmt.Fprintf(e.Out, "  ended:        %s\n", s.EndReason)
	}
	fmt.Fprintf(e.Out, "  workflow:     %s (run %d)\n", workflows.CallWorkflowID(callID), s.Runs)
	return s, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(callspec.Brussels).Format("2006-01-02 15:04 MST")
}
