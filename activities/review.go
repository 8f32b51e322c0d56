package activities

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/internal/selection"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"
)

// EligibleApplications lists a call's eligible applications in
// submission order: the rows of the scoring workbook. The CLI uses it to
// validate a filled workbook before anything is stored.
func EligibleApplications(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, callID string) ([]scoring.Application, error) {
	rows, err := q.Query(ctx, `SELECT a.reference, p.name, a.title, a.region, a.amount_cents, a.seq
		FROM applications a JOIN applicants p USING (applicant_id)
		WHERE a.call_id = $1 AND a.eligible ORDER BY a.seq`, callID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (scoring.Application, error) {
		var a scoring.Application
		var cents int64
		err := r.Scan(&a.Reference, &a.Association, &a.Title, &a.Region, &cents, &a.Seq)
		a.Amount = money.Cents(cents)
		return a, err
	})
}

// LoadCall reads a launched call's rules.
func LoadCall(ctx context.Context, q queryer, callID string) (callspec.Call, error) {
	return loadCall(ctx, q, callID)
}

// CallDir is where a call's workbooks are written.
func (a *Activities) callDir(callID string) string { return filepath.Join(a.OutputDir, callID) }

// ExportScoringInput names the call entering committee review.
type ExportScoringInput struct {
	CallID string `json:"callId"`
}

// ExportScoringResult says what was written.
type ExportScoringResult struct {
	Path         string `json:"path"`
	Applications int    `json:"applications"`
}

// ExportScoring writes the scoring workbook and queues it to the
// committee secretariat. The file is rewritten identically on retry; the
// mail is queued once.
func (a *Activities) ExportScoring(ctx context.Context, in ExportScoringInput) (ExportScoringResult, error) {
	defer keepAlive(ctx)()
	call, err := loadCall(ctx, a.DB, in.CallID)
	if err != nil {
		return ExportScoringResult{}, err
	}
	apps, err := EligibleApplications(ctx, a.DB, in.CallID)
	if err != nil {
		return ExportScoringResult{}, err
	}
	path := filepath.Join(a.callDir(in.CallID), "scoring.xlsx")
	if err := writeAtomically(path, func(f *os.File) error {
		return scoring.Write(f, call.Title, call.Criteria, call.Reviewers, apps)
	}); err != nil {
		return ExportScoringResult{}, fmt.Errorf("scoring workbook: %w", err)
	}
	err = pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		var email, lang string
		err := tx.QueryRow(ctx, `SELECT email, language FROM call_contacts WHERE call_id = $1 AND role = 'secretariat'`, in.CallID).Scan(&email, &lang)
		if err == pgx.ErrNoRows {
			return nil // no secretariat on record: the officer hands the file over
		}
		if err != nil {
			return err
		}
		m, err := render(in.CallID+"/scoring-workbook", lang, email, in.CallID, "", mailtemplates.Scoring{
			CallID: call.ID, CallTitle: call.Title, Count: len(apps), Reviewers: strings.Join(call.Reviewers, ", "),
		})
		if err != nil {
			return err
		}
		m.attach = path
		_, err = enqueue(ctx, tx, []outgoing{m})
		return err
	})
	return ExportScoringResult{Path: path, Applications: len(apps)}, err
}

// ApplyScoresInput names a staged, validated workbook import.
type ApplyScoresInput struct {
	CallID   string    `json:"callId"`
	ImportID string    `json:"importId"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// ApplyScoresResult summarises the ranking and the proposal.
type ApplyScoresResult struct {
	Ranked        int                         `json:"ranked"`
	Selected      int                         `json:"selected"`
	SelectedTotal money.Cents                 `json:"selectedTotal"`
	Envelopes     []selection.EnvelopeBalance `json:"envelopes"`
	Picks         []selection.Pick            `json:"picks"`
	ProposalPath  string                      `json:"proposalPath"`
}

// ApplyScores moves a staged import into scores, ranks the applications,
// proposes the selection and writes the proposal workbook, in one
// transaction. It re-validates against the database: an import that no
// longer fits (an application was screened out since) fails for good
// and changes nothing.
func (a *Activities) ApplyScores(ctx context.Context, in ApplyScoresInput) (ApplyScoresResult, error) {
	defer keepAlive(ctx)()
	var res ApplyScoresResult
	var rows []scoring.ProposalRow
	var call callspec.Call
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		var err error
		if call, err = loadCall(ctx, tx, in.CallID); err != nil {
			return err
		}
		apps, err := EligibleApplications(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		scores, err := stagedScores(ctx, tx, in.ImportID, in.CallID)
		if err != nil {
			return err
		}
		if len(scores) == 0 {
			return temporal.NewNonRetryableApplicationError("import "+in.ImportID+" has no staged scores", ErrTypeNotFound, nil)
		}
		ranked, problems := scoring.Rank(call.Criteria, apps, scores)
		if len(problems) > 0 {
			return invalid(problems)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM scores WHERE reference IN (SELECT reference FROM applications WHERE call_id = $1)`, in.CallID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO scores (reference, reviewer, conflict, scores, comment, import_id, imported_by, imported_at)
			SELECT reference, reviewer, conflict, scores, comment, import_id, $3, $4 FROM score_staging
			WHERE import_id = $1 AND call_id = $2`, in.ImportID, in.CallID, in.By, in.At); err != nil {
			return err
		}
		cands := make([]selection.Candidate, len(ranked))
		for i, r := range ranked {
			cands[i] = selection.Candidate{Reference: r.Reference, Region: r.Region, Amount: r.Amount}
		}
		prop := selection.Propose(cands, call.Envelope, call.Reserved)
		picked := map[string]selection.Pick{}
		for _, p := range prop.Picks {
			picked[p.Reference] = p
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ranking WHERE call_id = $1`, in.CallID); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		for _, r := range ranked {
			p, sel := picked[r.Reference]
			var env any
			if sel {
				env = p.Envelope
				res.SelectedTotal += p.Amount
				rows = append(rows, scoring.ProposalRow{Association: r.Association, Title: r.Title, Region: r.Region, Amount: p.Amount})
			}
			batch.Queue(`INSERT INTO ranking (reference, call_id, rank, total, max_total, reviewers, selected, envelope)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.Reference, in.CallID, r.Rank, r.Total, r.Max, r.Reviewers, sel, env)
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		// The staged rows stay (they are the import as received): a retry
		// after a commit that was never reported recomputes the same
		// scores, ranking and proposal instead of finding nothing.
		res.Ranked, res.Selected, res.Envelopes, res.Picks = len(ranked), len(prop.Picks), prop.Remaining, prop.Picks
		return nil
	})
	if err != nil {
		return res, err
	}
	res.ProposalPath = filepath.Join(a.callDir(in.CallID), "proposal.xlsx")
	err = writeAtomically(res.ProposalPath, func(f *os.File) error {
		return scoring.WriteProposal(f, "Proposition de sélection — "+call.Title, rows)
	})
	return res, err
}

func stagedScores(ctx context.Context, tx pgx.Tx, importID, callID string) ([]scoring.Score, error) {
	rows, err := tx.Query(ctx, `SELECT reference, reviewer, conflict, scores, comment FROM score_staging
		WHERE import_id = $1 AND call_id = $2 ORDER BY reference, reviewer`, importID, callID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (scoring.Score, error) {
		var s scoring.Score
		var vals []int32
		err := r.Scan(&s.Reference, &s.Reviewer, &s.Conflict, &vals, &s.Comment)
		for _, v := range vals {
			s.Values = append(s.Values, int(v))
		}
		return s, err
	})
}

func invalid(problems []scoring.Problem) error {
	var b strings.Builder
	for i, p := range problems {
		if i == 20 {
			fmt.Fprintf(&b, "\n... and %d more", len(problems)-20)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return temporal.NewNonRetryableApplicationError(b.String(), ErrTypeInvalid, nil)
}

// writeAtomically writes path through a temporary file and a rename, so
// a reader never sees half a workbook and a retry simply replaces it.
func writeAtomically(path string, write func(*os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
