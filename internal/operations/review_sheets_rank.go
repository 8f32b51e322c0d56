package operations

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/workflows"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// returnedSQL: the assignment ra has returned its sheet: declared, and a
// score for every eligible file it has no conflict with.
const returnedSQL = `(ra.declared_at IS NOT NULL AND
	(SELECT count(*) FROM applications a WHERE a.call_id = ra.call_id AND a.eligible AND NOT a.reference = ANY (ra.conflicts)) =
	(SELECT count(*) FROM review_sheet_scores r JOIN applications a USING (reference)
		WHERE r.call_id = ra.call_id AND r.user_id = ra.user_id AND a.eligible AND NOT a.reference = ANY (ra.conflicts)))`

// progress is how far the call's committee is.
func (s *Service) progress(ctx context.Context, callID string) (CommitteeProgress, error) {
	var p CommitteeProgress
	err := s.DB.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE `+returnedSQL+`),
		EXISTS (SELECT 1 FROM ranking k WHERE k.call_id = $1)
		FROM reviewer_assignments ra WHERE ra.call_id = $1`, callID).Scan(&p.Reviewers, &p.Returned, &p.Ranked)
	return p, err
}

// afterSave answers a save, and makes the ranking if it was the
// committee's last sheet.
func (s *Service) afterSave(ctx context.Context, by Actor, st seat, apps []scoring.Application) (ReviewSheetSaveResult, error) {
	own, err := s.ownScores(ctx, st)
	if err != nil {
		return ReviewSheetSaveResult{}, err
	}
	res := ReviewSheetSaveResult{CallID: st.call.ID, Code: st.code, Files: len(apps)}
	for _, a := range apps {
		if _, ok := own[a.Reference]; ok {
			res.Scored++
		}
	}
	res.Returned = res.Scored == res.Files
	if res.Returned {
		res.Proposal, res.Pending = s.rankCommittee(ctx, by, st.call.ID)
	}
	res.Committee, err = s.progress(ctx, st.call.ID)
	return res, err
}

// rankCommittee hands the merged sheets to the call once every assigned
// reviewer has returned, through the merged workbook's path (staging,
// then the call's import-scores update). It answers the proposal, or
// why the ranking waits; a save that came before stays saved either way.
// It holds the call's sheet lock throughout (see sheetsOpen): two last
// sheets saved at once rank once, and no save lands between the merge
// and the ranking.
func (s *Service) rankCommittee(ctx context.Context, by Actor, callID string) (*Proposal, string) {
	// A transaction's lock: it goes with the transaction, even when the
	// connection does.
	lock, err := s.DB.Begin(ctx)
	if err != nil {
		return nil, "the database could not be reached; the ranking is made when it is next read"
	}
	defer func() { _ = lock.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, sheetLock, callID); err != nil {
		return nil, "the database could not be reached; the ranking is made when it is next read"
	}
	p, err := s.progress(ctx, callID)
	if err != nil || p.Reviewers == 0 || p.Returned < p.Reviewers || p.Ranked {
		return nil, ""
	}
	status, err := s.callStatus(ctx, callID)
	switch {
	case err != nil:
		return nil, "the call could not be reached; the ranking is made when it is next read"
	case status.Stage != workflows.StageReview || status.Proposal != nil:
		return nil, "" // ranked already, by another sheet or the merged workbook
	case status.ScoringPath == "":
		return nil, "the scoring workbook is still being written; the ranking is made when it is next read"
	}
	scores, why, err := s.mergedSheets(ctx, callID)
	if err != nil {
		return nil, "the sheets could not be merged; the ranking is made when it is next read"
	}
	if why != "" {
		return nil, why
	}
	var out Proposal
	func() {
		defer s.audited(ctx, by, "review.rank", callID, &err, func() string { return callID })
		out, err = s.handScores(ctx, by, callID, scores)
	}()
	if KindOf(err) == WrongStage {
		return nil, "" // the other sheet's import won
	}
	if err != nil {
		return nil, "the call did not take the scores (" + err.Error() + "); the ranking is made when it is next read"
	}
	return &out, ""
}

// mergedSheets are every reviewer's scores as the merged workbook would
// give them, a declared conflict as a conflict row; why is the reason
// they cannot be ranked (a file every reviewer has a conflict with).
func (s *Service) mergedSheets(ctx context.Context, callID string) (scores []scoring.Score, why string, err error) {
	call, err := activities.LoadCall(ctx, s.DB, callID)
	if err != nil {
		return nil, "", err
	}
	apps, err := activities.EligibleApplications(ctx, s.DB, callID)
	if err != nil {
		return nil, "", err
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		// A reviewer in conflict with every file returned without opening
		// its sheet, so without a code yet.
		rows, err := tx.Query(ctx, `SELECT user_id::text FROM reviewer_assignments WHERE call_id = $1 AND code IS NULL`, callID)
		if err != nil {
			return err
		}
		coded, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, u := range coded {
			if _, err := s.giveCode(ctx, tx, u, callID, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	rows, err := s.DB.Query(ctx, `SELECT ra.code, ra.conflicts, r.reference, r.scores, r.comment
		FROM reviewer_assignments ra LEFT JOIN review_sheet_scores r ON r.call_id = ra.call_id AND r.user_id = ra.user_id
		WHERE ra.call_id = $1 ORDER BY ra.code, r.reference`, callID)
	if err != nil {
		return nil, "", err
	}
	type row struct {
		code      string
		conflicts []string
		ref       *string
		vals      []int32
		comment   *string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.code, &x.conflicts, &x.ref, &x.vals, &x.comment)
	})
	if err != nil {
		return nil, "", err
	}
	var codes []string
	conflicts := map[string][]string{}
	given := map[string]scoring.Score{} // code + reference → score
	for _, x := range list {
		if !slices.Contains(codes, x.code) {
			codes, conflicts[x.code] = append(codes, x.code), x.conflicts
		}
		if x.ref != nil {
			sc := scoring.Score{Reference: *x.ref, Reviewer: x.code, Comment: *x.comment}
			for _, v := range x.vals {
				sc.Values = append(sc.Values, int(v))
			}
			given[x.code+" "+*x.ref] = sc
		}
	}
	for _, code := range codes {
		for _, a := range apps {
			if slices.Contains(conflicts[code], a.Reference) {
				scores = append(scores, scoring.Score{Reference: a.Reference, Reviewer: code, Conflict: true})
			} else if sc, ok := given[code+" "+a.Reference]; ok {
				scores = append(scores, sc)
			}
		}
	}
	if _, problems := scoring.Rank(call.Criteria, apps, scores); len(problems) > 0 {
		var b []string
		for _, p := range problems {
			b = append(b, p.String())
		}
		return nil, "the officer must settle this first: " + strings.Join(b, "; "), nil
	}
	return scores, "", nil
}

// ReviewRankingInput names the call.
type ReviewRankingInput struct {
	CallID string `json:"call_id"`
}

// RankedFile is one line of the ranking, as a reviewer sees it.
type RankedFile struct {
	Rank         int    `json:"rank"`
	Reference    string `json:"reference"`
	Organisation string `json:"organisation"`
	Title        string `json:"title"`
	Region       string `json:"region"`
	Amount       Money  `json:"amount"`
	Score        string `json:"score"` // share of the best possible score, "87,50 %"
	Selected     bool   `json:"selected"`
}

// ReviewRankingResult is the committee's ranking once every reviewer has
// returned (Ready), without the files the reader declared a conflict with.
type ReviewRankingResult struct {
	CallID    string            `json:"call_id"`
	Ready     bool              `json:"ready"`
	Committee CommitteeProgress `json:"committee"`
	Pending   string            `json:"pending,omitempty"`
	Files     []RankedFile      `json:"files"`
}

// ReviewRanking is the ranking for a reviewer of the call. When every
// reviewer has returned but the ranking could not be made at the last
// save (the call was unreachable), it is made now.
func (s *Service) ReviewRanking(ctx context.Context, by Actor, in ReviewRankingInput) (ReviewRankingResult, error) {
	st, err := s.seat(ctx, by, in.CallID)
	if err != nil {
		return ReviewRankingResult{}, err
	}
	res := ReviewRankingResult{CallID: in.CallID, Files: []RankedFile{}}
	if res.Committee, err = s.progress(ctx, in.CallID); err != nil {
		return res, err
	}
	if res.Committee.Returned < res.Committee.Reviewers {
		return res, nil
	}
	if !res.Committee.Ranked {
		_, res.Pending = s.rankCommittee(ctx, by, in.CallID)
		if res.Committee, err = s.progress(ctx, in.CallID); err != nil || !res.Committee.Ranked {
			return res, err
		}
	}
	rows, err := s.DB.Query(ctx, `SELECT r.rank, r.reference, o.name, a.title, a.region, a.amount_cents, r.total, r.max_total, r.selected
		FROM ranking r JOIN applications a USING (reference) JOIN applicants o USING (applicant_id)
		WHERE r.call_id = $1 AND NOT r.reference = ANY ($2) ORDER BY r.rank`, in.CallID, st.conflicts)
	if err != nil {
		return res, err
	}
	res.Files, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (RankedFile, error) {
		var f RankedFile
		var k scoring.Ranked
		var cents int64
		err := r.Scan(&f.Rank, &f.Reference, &f.Organisation, &f.Title, &f.Region, &cents, &k.Total, &k.Max, &f.Selected)
		f.Amount, f.Score = M(money.Cents(cents)), k.Percent()
		return f, err
	})
	res.Ready = err == nil
	return res, err
}

// ReviewsInput asks for the signed-in reviewer's calls.
type ReviewsInput struct{}

// ReviewCall is one call a reviewer is assigned to.
type ReviewCall struct {
	CallID    string    `json:"call_id"`
	Title     string    `json:"title"`
	Code      string    `json:"code"`
	Declared  bool      `json:"declared"`
	Files     int       `json:"files"` // eligible files it may read (once declared)
	Scored    int       `json:"scored"`
	Returned  bool      `json:"returned"`
	Deadline  time.Time `json:"deadline,omitzero"` // the committee's
	Reviewers int       `json:"reviewers"`
	ReturnedN int       `json:"returned_reviewers"`
	Ranked    bool      `json:"ranked"`
	// Stage is the call's ("" when it cannot be asked just now); its
	// files open to reviewers at the committee review.
	Stage string `json:"stage"`
}

// ReviewsResult lists them by call id.
type ReviewsResult struct {
	Calls []ReviewCall `json:"calls"`
}

// Reviews lists the calls the signed-in reviewer is assigned to, and
// where its sheet and the committee stand.
func (s *Service) Reviews(ctx context.Context, by Actor, _ ReviewsInput) (ReviewsResult, error) {
	out := ReviewsResult{Calls: []ReviewCall{}}
	if _, err := uuid.Parse(by.ID); err != nil {
		return out, &Error{Kind: Forbidden, Message: "the calls to review are a signed-in reviewer's own"}
	}
	rows, err := s.DB.Query(ctx, `SELECT ra.call_id, c.title, coalesce(ra.code, ''), ra.declared_at IS NOT NULL, c.config,
		(SELECT count(*) FROM applications a WHERE a.call_id = ra.call_id AND a.eligible AND NOT a.reference = ANY (ra.conflicts)),
		(SELECT count(*) FROM review_sheet_scores r JOIN applications a USING (reference)
			WHERE r.call_id = ra.call_id AND r.user_id = ra.user_id AND a.eligible AND NOT a.reference = ANY (ra.conflicts)),
		`+returnedSQL+`
		FROM reviewer_assignments ra JOIN calls c USING (call_id) WHERE ra.user_id = $1::uuid ORDER BY ra.call_id`, by.ID)
	if err != nil {
		return out, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReviewCall, error) {
		var c ReviewCall
		var cfg callspec.Call
		err := r.Scan(&c.CallID, &c.Title, &c.Code, &c.Declared, &cfg, &c.Files, &c.Scored, &c.Returned)
		c.Deadline = cfg.Committee.Deadline
		return c, err
	})
	if err != nil {
		return out, err
	}
	for _, c := range list {
		p, err := s.progress(ctx, c.CallID)
		if err != nil {
			return out, err
		}
		c.Reviewers, c.ReturnedN, c.Ranked = p.Reviewers, p.Returned, p.Ranked
		if st, err := s.callStatus(ctx, c.CallID); err == nil {
			c.Stage = st.Stage
		}
		out.Calls = append(out.Calls, c)
	}
	return out, nil
}
