package operations

import (
	"bytes"
	"context"
	"fmt"
	"io"

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

// ReviewExportInput asks for a call's scoring workbook, written to Out.
type ReviewExportInput struct {
	CallID string    `json:"call_id"`
	Out    io.Writer `json:"-"`
}

// ReviewExportResult says what the workbook holds.
type ReviewExportResult struct {
	CallID       string   `json:"call_id"`
	Applications int      `json:"applications"` // eligible applications, one row each
	Reviewers    []string `json:"reviewers"`    // one sheet each
}

// ReviewExport writes the scoring workbook (the same content the
// secretariat received) to in.Out.
func (s *Service) ReviewExport(ctx context.Context, by Actor, in ReviewExportInput) (res ReviewExportResult, err error) {
	defer s.audited(ctx, by, "review.export", in, &err, func() string { return in.CallID })
	if _, err := s.requireStage(ctx, in.CallID, reviewStages...); err != nil {
		return ReviewExportResult{}, err
	}
	call, err := activities.LoadCall(ctx, s.DB, in.CallID)
	if err != nil {
		return ReviewExportResult{}, classify("", err)
	}
	apps, err := activities.EligibleApplications(ctx, s.DB, in.CallID)
	if err != nil {
		return ReviewExportResult{}, classify("", err)
	}
	if err := scoring.Write(in.Out, call.Title, call.Criteria, call.Reviewers, apps); err != nil {
		return ReviewExportResult{}, err
	}
	return ReviewExportResult{CallID: in.CallID, Applications: len(apps), Reviewers: append([]string{}, call.Reviewers...)}, nil
}

// ReviewImportInput is the filled scoring workbook.
type ReviewImportInput struct {
	CallID   string `json:"call_id"`
	Workbook []byte `json:"workbook"`
	Name     string `json:"name"` // file name, for messages
}

// ReviewImportResult is the proposal that came out of the scores.
type ReviewImportResult struct {
	CallID   string   `json:"call_id"`
	Proposal Proposal `json:"proposal"`
}

// ReviewImport validates a filled scoring workbook cell by cell; only a
// valid one is staged and handed to the call, which ranks and proposes.
// An invalid workbook changes nothing and every problem is reported
// (Problem.Field "workbook", the cell in the reason).
func (s *Service) ReviewImport(ctx context.Context, by Actor, in ReviewImportInput) (res ReviewImportResult, err error) {
	defer s.audited(ctx, by, "review.import", in, &err, func() string { return in.CallID })
	var zero ReviewImportResult
	st, err := s.requireStage(ctx, in.CallID, workflows.StageReview)
	if err != nil {
		return zero, err
	}
	if st.ScoringPath == "" {
		return zero, &Error{Kind: Busy, Message: fmt.Sprintf("%s: the scoring workbook is still being written; try again in a moment", in.CallID)}
	}
	call, err := activities.LoadCall(ctx, s.DB, in.CallID)
	if err != nil {
		return zero, classify("", err)
	}
	apps, err := activities.EligibleApplications(ctx, s.DB, in.CallID)
	if err != nil {
		return zero, classify("", err)
	}
	scores, problems, err := scoring.Read(bytes.NewReader(in.Workbook), call.Criteria, call.Reviewers, apps)
	if err != nil {
		return zero, refused("workbook", "%s: %v", in.Name, err)
	}
	if len(problems) == 0 {
		_, problems = scoring.Rank(call.Criteria, apps, scores)
	}
	if len(problems) > 0 {
		p := make([]Problem, len(problems))
		for i, pr := range problems {
			p[i] = Problem{Field: "workbook", Reason: pr.String()}
		}
		e := &Error{Kind: Refused, Problems: p, Message: fmt.Sprintf("%s: %s; nothing was imported:", in.Name, words.Count(len(problems), "problem", "problems"))}
		for _, pr := range problems {
			e.Message += "\n  " + pr.String()
		}
		return zero, e
	}
	p, err := s.handScores(ctx, by, in.CallID, scores)
	if err != nil {
		return zero, err
	}
	return ReviewImportResult{CallID: in.CallID, Proposal: p}, nil
}

// handScores stages validated scores and hands them to the call, which
// ranks and proposes: the one way scores reach a call, whether from the
// merged workbook or from the reviewers' own sheets (review_sheets.go).
// A refused update leaves no staged row.
func (s *Service) handScores(ctx context.Context, by Actor, callID string, scores []scoring.Score) (Proposal, error) {
	importID := uuid.NewString()
	rows := make([][]any, len(scores))
	for i, sc := range scores {
		var vals []int32
		for _, v := range sc.Values {
			vals = append(vals, int32(v))
		}
		rows[i] = []any{importID, callID, sc.Reference, sc.Reviewer, sc.Conflict, vals, sc.Comment}
	}
	if _, err := s.DB.CopyFrom(ctx, pgx.Identifier{"score_staging"},
		[]string{"import_id", "call_id", "reference", "reviewer", "conflict", "scores", "comment"}, pgx.CopyFromRows(rows)); err != nil {
		return Proposal{}, classify("", fmt.Errorf("stage scores: %w", err))
	}
	var upd workflows.ImportScoresResult
	if err := s.callUpdate(ctx, callID, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: importID, By: by.Name}, &upd); err != nil {
		_, _ = s.DB.Exec(context.WithoutCancel(ctx), `DELETE FROM score_staging WHERE import_id = $1`, importID)
		return Proposal{}, err
	}
	return proposalOf(upd.Proposal), nil
}

// ReviewProposalInput asks for the proposal workbook, written to Out.
type ReviewProposalInput struct {
	CallID string    `json:"call_id"`
	Out    io.Writer `json:"-"`
}

// ReviewProposalResult counts the projects of the proposal.
type ReviewProposalResult struct {
	CallID   string `json:"call_id"`
	Projects int    `json:"projects"`
}

// ReviewProposal writes the proposal workbook ("Liste des projets
// financés" layout) from the stored ranking.
func (s *Service) ReviewProposal(ctx context.Context, _ Actor, in ReviewProposalInput) (ReviewProposalResult, error) {
	if _, err := s.requireStage(ctx, in.CallID, workflows.StageProposed); err != nil {
		return ReviewProposalResult{}, err
	}
	call, err := activities.LoadCall(ctx, s.DB, in.CallID)
	if err != nil {
		return ReviewProposalResult{}, classify("", err)
	}
	rows, err := s.DB.Query(ctx, `SELECT p.name, a.title, a.region, a.amount_cents FROM ranking r
		JOIN applications a USING (reference) JOIN applicants p USING (applicant_id)
		WHERE r.call_id = $1 AND r.selected ORDER BY r.rank`, in.CallID)
	if err != nil {
		return ReviewProposalResult{}, classify("", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (scoring.ProposalRow, error) {
		var p scoring.ProposalRow
		var cents int64
		err := r.Scan(&p.Association, &p.Title, &p.Region, &cents)
		p.Amount = money.Cents(cents)
		return p, err
	})
	if err != nil {
		return ReviewProposalResult{}, classify("", err)
	}
	if err := scoring.WriteProposal(in.Out, "Proposition de sélection — "+call.Title, list); err != nil {
		return ReviewProposalResult{}, err
	}
	return ReviewProposalResult{CallID: in.CallID, Projects: len(list)}, nil
}
