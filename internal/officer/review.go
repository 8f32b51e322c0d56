package officer

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/callcycle/callcycle/workflows"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// reviewStages are the stages at which the scoring workbook exists.
var reviewStages = []string{workflows.StageReview, workflows.StageProposed}

func (e Env) requireStage(ctx context.Context, callID string, stages ...string) (workflows.StatusResult, error) {
	var st workflows.StatusResult
	v, err := e.Temporal.QueryWorkflow(ctx, workflows.CallWorkflowID(callID), "", workflows.QueryStatus, workflows.StatusQuery{})
	if err != nil {
		return st, e.explain(callID, err)
	}
	if err := v.Get(&st); err != nil {
		return st, err
	}
	for _, s := range stages {
		if st.Stage == s {
			return st, nil
		}
	}
	return st, usage("%s is at stage %q; this needs stage %s", callID, st.Stage, strings.Join(stages, " or "))
}

// ReviewExport writes the scoring workbook (the same content the
// secretariat received) to out.
func (e Env) ReviewExport(ctx context.Context, callID, out string) error {
	if _, err := e.requireStage(ctx, callID, reviewStages...); err != nil {
		return err
	}
	call, err := activities.LoadCall(ctx, e.DB, callID)
	if err != nil {
		return err
	}
	apps, err := activities.EligibleApplications(ctx, e.DB, callID)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return usage("%v", err)
	}
	if err := scoring.Write(f, call.Title, call.Criteria, call.Reviewers, apps); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s: scoring workbook for %d eligible applications and reviewers %s written to %s\n",
		callID, len(apps), strings.Join(call.Reviewers, ", "), out)
	return nil
}

// ReviewImport validates a filled scoring workbook cell by cell; only a
// valid one is staged and handed to the call, which ranks and proposes.
// An invalid workbook changes nothing and every problem is reported.
func (e Env) ReviewImport(ctx context.Context, callID, path string) (workflows.ProposalSummary, error) {
	var zero workflows.ProposalSummary
	st, err := e.requireStage(ctx, callID, workflows.StageReview)
	if err != nil {
		return zero, err
	}
	if st.ScoringPath == "" {
		return zero, usage("%s: the scoring workbook is still being written; try again in a moment", callID)
	}
	call, err := activities.LoadCall(ctx, e.DB, callID)
	if err != nil {
		return zero, err
	}
	apps, err := activities.EligibleApplications(ctx, e.DB, callID)
	if err != nil {
		return zero, err
	}
	f, err := os.Open(path)
	if err != nil {
		return zero, usage("%v", err)
	}
	scores, problems, err := scoring.Read(f, call.Criteria, call.Reviewers, apps)
	f.Close()
	if err != nil {
		return zero, usage("%s: %v", path, err)
	}
	if len(problems) == 0 {
		_, problems = scoring.Rank(call.Criteria, apps, scores)
	}
	if len(problems) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s; nothing was imported:", path, words.Count(len(problems), "problem", "problems"))
		for _, p := range problems {
			b.WriteString("\n  " + p.String())
		}
		return zero, usage("%s", b.String())
	}
	importID := uuid.NewString()
	rows := make([][]any, len(scores))
	for i, s := range scores {
		var vals []int32
		for _, v := range s.Values {
			vals = append(vals, int32(v))
		}
		rows[i] = []any{importID, callID, s.Reference, s.Reviewer, s.Conflict, vals, s.Comment}
	}
	if _, err := e.DB.CopyFrom(ctx, pgx.Identifier{"score_staging"},
		[]string{"import_id", "call_id", "reference", "reviewer", "conflict", "scores", "comment"}, pgx.CopyFromRows(rows)); err != nil {
		return zero, fmt.Errorf("stage scores: %w", err)
	}
	var res workflows.ImportScoresResult
	if err := e.update(ctx, callID, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: importID, By: e.By}, &res); err != nil {
		_, _ = e.DB.Exec(context.WithoutCancel(ctx), `DELETE FROM score_staging WHERE import_id = $1`, importID)
		return zero, err
	}
	p := res.Proposal
	fmt.Fprintf(e.Out, "%s: %s ranked; proposal: %s for %s (workbook %s)\n", callID, words.Count(p.Ranked, "application", "applications"), words.Count(p.Selected, "project", "projects"), p.SelectedTotal, p.Path)
	printEnvelopes(e, p)
	return p, nil
}

func printEnvelopes(e Env, p workflows.ProposalSummary) {
	for _, env := range p.Envelopes {
		name := "general envelope"
		if env.Region != "" {
			name = "reserved for " + env.Region
		}
		fmt.Fprintf(e.Out, "  %-50s %s of %s (left %s)\n", name, env.Used, env.Amount, env.Amount-env.Used)
	}
}

// ReviewProposal writes the proposal workbook ("Liste des projets
// financés" layout) from the stored ranking.
func (e Env) ReviewProposal(ctx context.Context, callID, out string) error {
	if _, err := e.requireStage(ctx, callID, workflows.StageProposed); err != nil {
		return err
	}
	call, err := activities.LoadCall(ctx, e.DB, callID)
	if err != nil {
		return err
	}
	rows, err := e.DB.Query(ctx, `SELECT p.name, a.title, a.region, a.amount_cents FROM ranking r
		JOIN applications a USING (reference) JOIN applicants p USING (applicant_id)
		WHERE r.call_id = $1 AND r.selected ORDER BY r.rank`, callID)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (scoring.ProposalRow, error) {
		var p scoring.ProposalRow
		var cents int64
		err := r.Scan(&p.Association, &p.Title, &p.Region, &cents)
		p.Amount = money.Cents(cents)
		return p, err
	})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return usage("%v", err)
	}
	if err := scoring.WriteProposal(f, "Proposition de sélection — "+call.Title, list); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(e.Out, "%s: proposal of %s written to %s\n", callID, words.Count(len(list), "project", "projects"), out)
	return f.Close()
}
