package operations

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/scoring"
	"github.com/callcycle/callcycle/internal/words"
	"github.com/callcycle/callcycle/workflows"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Each committee reviewer's own scoring sheet (issue 16). A reviewer
// assigned to a call scores as one of its reviewer codes (its sheet in
// the workbook), only once it has declared its conflicts of interest,
// and only the eligible files it has no conflict with. Its scores are
// kept apart from everyone else's (review_sheet_scores, keyed by the
// signed-in user); a new upload replaces its own and nobody else's.
// When every assigned reviewer has returned, the sheets are merged
// (a declared conflict counts as a conflict row) and handed to the
// call as the merged workbook's import is (handScores), so the ranking
// and the proposal come out as they always have.

// seat is a reviewer's place on a call's committee.
type seat struct {
	user      string // users.user_id
	code      string // its sheet
	conflicts []string
	call      callspec.Call
}

// seat is by's seat on callID's committee: Forbidden for a person who
// is not its reviewer or has not declared yet (files stay closed until
// then), the same for a call that does not exist.
func (s *Service) seat(ctx context.Context, by Actor, callID string) (seat, error) {
	if _, err := uuid.Parse(by.ID); err != nil {
		return seat{}, &Error{Kind: Forbidden, Message: "a scoring sheet is a signed-in reviewer's own"}
	}
	st := seat{user: by.ID}
	var declared bool
	var code *string
	err := s.DB.QueryRow(ctx, `SELECT declared_at IS NOT NULL, conflicts, code FROM reviewer_assignments
		WHERE user_id = $1::uuid AND call_id = $2`, by.ID, callID).Scan(&declared, &st.conflicts, &code)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return seat{}, &Error{Kind: Forbidden, Message: fmt.Sprintf("you are not a reviewer of %q", callID)}
	case err != nil:
		return seat{}, err
	case !declared:
		return seat{}, &Error{Kind: Forbidden, Message: fmt.Sprintf("declare your conflicts of interest for %s first", callID)}
	}
	if st.call, err = activities.LoadCall(ctx, s.DB, callID); err != nil {
		return seat{}, classify("", err)
	}
	if code != nil {
		st.code = *code
		return st, nil
	}
	// Assigned before reviewer codes existed (migration 00018).
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		st.code, err = s.giveCode(ctx, tx, by.ID, callID, "")
		return err
	})
	return st, err
}

// giveCode gives an assignment without a code want, or the first of the
// call's reviewer codes nobody holds, in the order of the call file.
func (s *Service) giveCode(ctx context.Context, tx pgx.Tx, userID, callID, want string) (string, error) {
	call, err := activities.LoadCall(ctx, tx, callID)
	if err != nil {
		return "", classify("", err)
	}
	// One assignment at a time per call: two officers assigning at
	// once must not pick the same free code.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM calls WHERE call_id = $1 FOR UPDATE`, callID); err != nil {
		return "", err
	}
	rows, err := tx.Query(ctx, `SELECT code FROM reviewer_assignments WHERE call_id = $1 AND code IS NOT NULL`, callID)
	if err != nil {
		return "", err
	}
	taken, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	if want != "" && !slices.Contains(call.Reviewers, want) {
		return "", refused("code", "%q is not a reviewer code of %s (committee.reviewers: %s)", want, callID, strings.Join(call.Reviewers, ", "))
	}
	if want != "" && slices.Contains(taken, want) {
		return "", refused("code", "%s is already another reviewer's sheet", want)
	}
	code := want
	for _, c := range call.Reviewers {
		if code == "" && !slices.Contains(taken, c) {
			code = c
		}
	}
	if code == "" {
		return "", refused("call_id", "every reviewer code of %s (%s) is already given; the committee is set by the call file",
			callID, strings.Join(call.Reviewers, ", "))
	}
	_, err = tx.Exec(ctx, `UPDATE reviewer_assignments SET code = $3 WHERE user_id = $1::uuid AND call_id = $2`, userID, callID, code)
	return code, err
}

// files are the eligible applications the seat may read, in submission
// order: the rows of its sheet.
func (s *Service) files(ctx context.Context, st seat) ([]scoring.Application, error) {
	apps, err := activities.EligibleApplications(ctx, s.DB, st.call.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(apps, func(a scoring.Application) bool { return slices.Contains(st.conflicts, a.Reference) }), nil
}

// ReviewCriterion is one criterion, as the sheet and the page show it.
type ReviewCriterion struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Weight int    `json:"weight"`
	Min    int    `json:"min"`
	Max    int    `json:"max"`
}

// SheetFile is one row of a reviewer's sheet: the file and its own
// scores (none yet: Scores is empty).
type SheetFile struct {
	Reference    string `json:"reference"`
	Organisation string `json:"organisation"`
	Title        string `json:"title"`
	Region       string `json:"region"`
	Amount       Money  `json:"amount"`
	Scores       []int  `json:"scores"` // by criterion, in the call's order
	Comment      string `json:"comment"`
}

// ReviewSheetInput names the call.
type ReviewSheetInput struct {
	CallID string `json:"call_id"`
}

// ReviewSheetResult is a reviewer's sheet and where the committee stands.
type ReviewSheetResult struct {
	CallID    string            `json:"call_id"`
	Title     string            `json:"title"`
	Code      string            `json:"code"`
	Stage     string            `json:"stage"`
	Deadline  time.Time         `json:"deadline,omitzero"` // the committee's, if the call sets one
	Criteria  []ReviewCriterion `json:"criteria"`
	Files     []SheetFile       `json:"files"`
	Conflicts int               `json:"conflicts"` // files hidden by the declaration
	Scored    int               `json:"scored"`
	Returned  bool              `json:"returned"` // every file scored
	Committee CommitteeProgress `json:"committee"`
}

// CommitteeProgress is how many of the call's reviewers have returned,
// and whether the ranking is made.
type CommitteeProgress struct {
	Reviewers int  `json:"reviewers"`
	Returned  int  `json:"returned"`
	Ranked    bool `json:"ranked"`
}

// ReviewSheet is the signed-in reviewer's own sheet of a call, during
// the committee review and after.
func (s *Service) ReviewSheet(ctx context.Context, by Actor, in ReviewSheetInput) (ReviewSheetResult, error) {
	st, err := s.seat(ctx, by, in.CallID)
	if err != nil {
		return ReviewSheetResult{}, err
	}
	status, err := s.requireStage(ctx, in.CallID, reviewStages...)
	if err != nil {
		return ReviewSheetResult{}, err
	}
	apps, err := s.files(ctx, st)
	if err != nil {
		return ReviewSheetResult{}, err
	}
	own, err := s.ownScores(ctx, st)
	if err != nil {
		return ReviewSheetResult{}, err
	}
	res := ReviewSheetResult{CallID: st.call.ID, Title: st.call.Title, Code: st.code, Stage: status.Stage,
		Deadline: st.call.Committee.Deadline, Criteria: criteriaOf(st.call), Files: []SheetFile{}, Conflicts: len(st.conflicts)}
	for _, a := range apps {
		f := SheetFile{Reference: a.Reference, Organisation: a.Association, Title: a.Title, Region: a.Region, Amount: M(a.Amount), Scores: []int{}}
		if sc, ok := own[a.Reference]; ok {
			f.Scores, f.Comment = sc.Values, sc.Comment
			res.Scored++
		}
		res.Files = append(res.Files, f)
	}
	res.Returned = res.Scored == len(apps)
	res.Committee, err = s.progress(ctx, in.CallID)
	return res, err
}

func criteriaOf(c callspec.Call) []ReviewCriterion {
	out := make([]ReviewCriterion, len(c.Criteria))
	for i, k := range c.Criteria {
		out[i] = ReviewCriterion{Key: k.Key, Name: k.Name, Weight: k.Weight, Min: k.Min, Max: k.Max}
	}
	return out
}

// ownScores are the seat's saved scores, by reference.
func (s *Service) ownScores(ctx context.Context, st seat) (map[string]scoring.Score, error) {
	rows, err := s.DB.Query(ctx, `SELECT reference, scores, comment FROM review_sheet_scores WHERE call_id = $1 AND user_id = $2::uuid`, st.call.ID, st.user)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (scoring.Score, error) {
		sc := scoring.Score{Reviewer: st.code}
		var vals []int32
		err := r.Scan(&sc.Reference, &vals, &sc.Comment)
		for _, v := range vals {
			sc.Values = append(sc.Values, int(v))
		}
		return sc, err
	})
	out := map[string]scoring.Score{}
	for _, sc := range list {
		out[sc.Reference] = sc
	}
	return out, err
}

// ReviewSheetDownloadInput asks for the reviewer's own workbook.
type ReviewSheetDownloadInput struct {
	CallID string    `json:"call_id"`
	Out    io.Writer `json:"-"`
}

// ReviewSheetDownloadResult says what the workbook holds.
type ReviewSheetDownloadResult struct {
	CallID       string `json:"call_id"`
	Code         string `json:"code"`
	Applications int    `json:"applications"`
}

// ReviewSheetDownload writes the reviewer's own workbook: its sheet
// only, without the files it declared a conflict with.
func (s *Service) ReviewSheetDownload(ctx context.Context, by Actor, in ReviewSheetDownloadInput) (res ReviewSheetDownloadResult, err error) {
	defer s.audited(ctx, by, "review.sheet-download", in, &err, func() string { return in.CallID })
	st, err := s.seat(ctx, by, in.CallID)
	if err != nil {
		return res, err
	}
	if _, err := s.requireStage(ctx, in.CallID, reviewStages...); err != nil {
		return res, err
	}
	apps, err := s.files(ctx, st)
	if err != nil {
		return res, err
	}
	if err := scoring.WriteSheet(in.Out, st.call.Title, st.call.Criteria, st.code, apps); err != nil {
		return res, err
	}
	return ReviewSheetDownloadResult{CallID: in.CallID, Code: st.code, Applications: len(apps)}, nil
}

// ReviewSheetUploadInput is the reviewer's filled workbook.
type ReviewSheetUploadInput struct {
	CallID   string `json:"call_id"`
	Workbook []byte `json:"workbook"`
	Name     string `json:"name"` // file name, for messages
}

// ReviewSheetSaveResult is what the reviewer's sheet holds now, and
// whether that made the ranking.
type ReviewSheetSaveResult struct {
	CallID    string            `json:"call_id"`
	Code      string            `json:"code"`
	Scored    int               `json:"scored"`
	Files     int               `json:"files"`
	Returned  bool              `json:"returned"`
	Committee CommitteeProgress `json:"committee"`
	// Proposal is the call's, when this save was the committee's last.
	Proposal *Proposal `json:"proposal,omitempty"`
	// Pending says why the ranking is not made although every reviewer
	// returned (the call could not take it just now); the scores are kept
	// and the ranking is made when the ranking is next read.
	Pending string `json:"pending,omitempty"`
}

// ReviewSheetUpload validates the reviewer's own workbook cell by cell,
// as ReviewImport the merged one, and replaces that reviewer's scores
// (its own only) with it. An invalid workbook changes nothing.
func (s *Service) ReviewSheetUpload(ctx context.Context, by Actor, in ReviewSheetUploadInput) (res ReviewSheetSaveResult, err error) {
	defer s.audited(ctx, by, "review.sheet-upload", in, &err, func() string { return in.CallID })
	st, apps, err := s.openSheet(ctx, by, in.CallID)
	if err != nil {
		return res, err
	}
	scores, problems, err := scoring.Read(bytes.NewReader(in.Workbook), st.call.Criteria, []string{st.code}, apps)
	if err != nil {
		return res, refused("workbook", "%s: %v", in.Name, err)
	}
	sheet := scoring.SheetName(st.code)
	for _, sc := range scores {
		if sc.Conflict {
			// The declaration is the record of a reviewer's conflicts,
			// made before any file opened.
			problems = append(problems, scoring.Problem{Cell: sheet, Message: sc.Reference +
				": a conflict of interest is declared on the declaration page, before the files open; clear the \"Conflict of interest\" cell and score the file, or ask the officer"})
		}
	}
	if len(problems) > 0 {
		p := make([]Problem, len(problems))
		msg := fmt.Sprintf("%s: %s; nothing was saved:", in.Name, words.Count(len(problems), "problem", "problems"))
		for i, pr := range problems {
			p[i] = Problem{Field: "workbook", Reason: pr.String()}
			msg += "\n  " + pr.String()
		}
		return res, &Error{Kind: Refused, Problems: p, Message: msg}
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := sheetsOpen(ctx, tx, st.call.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM review_sheet_scores WHERE call_id = $1 AND user_id = $2::uuid`, st.call.ID, st.user); err != nil {
			return err
		}
		return saveScores(ctx, tx, st, "workbook", scores)
	})
	if err != nil {
		return res, err
	}
	return s.afterSave(ctx, by, st, apps)
}

// ReviewScoreInput is one file's scores typed in the page: the value of
// each criterion by its key, as typed, and an optional comment.
type ReviewScoreInput struct {
	CallID    string            `json:"call_id"`
	Reference string            `json:"reference"`
	Scores    map[string]string `json:"scores"`
	Comment   string            `json:"comment"`
}

// ReviewScore saves the reviewer's scores of one file, replacing its
// earlier ones for that file. A file it may not read reads as none; a
// score out of range is refused with its criterion (field
// "scores.<key>") and nothing is saved.
func (s *Service) ReviewScore(ctx context.Context, by Actor, in ReviewScoreInput) (res ReviewSheetSaveResult, err error) {
	defer s.audited(ctx, by, "review.score", in, &err, func() string { return in.Reference })
	st, apps, err := s.openSheet(ctx, by, in.CallID)
	if err != nil {
		return res, err
	}
	if !slices.ContainsFunc(apps, func(a scoring.Application) bool { return a.Reference == in.Reference }) {
		return res, &Error{Kind: NotFound, Message: fmt.Sprintf("no application %q to score", in.Reference),
			Problems: []Problem{{Field: "reference", Reason: "no such application"}}}
	}
	sc := scoring.Score{Reference: in.Reference, Reviewer: st.code, Comment: strings.TrimSpace(in.Comment)}
	var problems []Problem
	for _, c := range st.call.Criteria {
		v, why := scoring.Value(in.Scores[c.Key], c)
		if why != "" {
			problems = append(problems, Problem{Field: "scores." + c.Key, Reason: why})
		}
		sc.Values = append(sc.Values, v)
	}
	for k := range in.Scores {
		if !slices.ContainsFunc(st.call.Criteria, func(c callspec.Criterion) bool { return c.Key == k }) {
			problems = append(problems, Problem{Field: "scores", Reason: fmt.Sprintf("%q is not a criterion of %s", k, in.CallID)})
		}
	}
	if utf8.RuneCountInString(sc.Comment) > scoring.MaxCommentLen || strings.ContainsRune(sc.Comment, 0) || !utf8.ValidString(sc.Comment) {
		problems = append(problems, Problem{Field: "comment", Reason: fmt.Sprintf("at most %d characters of text", scoring.MaxCommentLen)})
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
		return res, refusedAll(fmt.Sprintf("%s: nothing was saved:", in.Reference), problems)
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := sheetsOpen(ctx, tx, st.call.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM review_sheet_scores WHERE call_id = $1 AND user_id = $2::uuid AND reference = $3`,
			st.call.ID, st.user, in.Reference); err != nil {
			return err
		}
		return saveScores(ctx, tx, st, "page", []scoring.Score{sc})
	})
	if err != nil {
		return res, err
	}
	return s.afterSave(ctx, by, st, apps)
}

// openSheet is the seat of a reviewer who may still change its scores:
// the call is in committee review and its ranking is not made.
func (s *Service) openSheet(ctx context.Context, by Actor, callID string) (seat, []scoring.Application, error) {
	st, err := s.seat(ctx, by, callID)
	if err != nil {
		return seat{}, nil, err
	}
	status, err := s.requireStage(ctx, callID, workflows.StageReview)
	if err != nil {
		return seat{}, nil, err
	}
	if status.Proposal != nil {
		return seat{}, nil, &Error{Kind: WrongStage, Stage: status.Stage,
			Message: fmt.Sprintf("%s: the ranking is made; the committee's scores are final", callID)}
	}
	apps, err := s.files(ctx, st)
	return st, apps, err
}

// sheetLock is the advisory lock class (pg_advisory_lock(class, key))
// of a call's reviewer sheets: a save holds it for its transaction, the
// ranking while it merges the sheets and hands them to the call, so no
// sheet changes under a ranking being made, nor after it.
const sheetLock int32 = 0x43430010

// sheetsOpen waits for a ranking under way and refuses a save once the
// ranking is made (the scores are then final).
func sheetsOpen(ctx context.Context, tx pgx.Tx, callID string) error {
	var ranked bool
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, sheetLock, callID); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ranking WHERE call_id = $1)`, callID).Scan(&ranked); err != nil {
		return err
	}
	if ranked {
		return &Error{Kind: WrongStage, Message: fmt.Sprintf("%s: the ranking is made; the committee's scores are final", callID)}
	}
	return nil
}

func saveScores(ctx context.Context, tx pgx.Tx, st seat, source string, scores []scoring.Score) error {
	batch := &pgx.Batch{}
	for _, sc := range scores {
		vals := make([]int32, len(sc.Values))
		for i, v := range sc.Values {
			vals[i] = int32(v)
		}
		batch.Queue(`INSERT INTO review_sheet_scores (call_id, user_id, reference, scores, comment, source) VALUES ($1, $2::uuid, $3, $4, $5, $6)`,
			st.call.ID, st.user, sc.Reference, vals, sc.Comment, source)
	}
	return tx.SendBatch(ctx, batch).Close()
}

// ReviewDeclarationInput names the call a reviewer declares for.
type ReviewDeclarationInput struct {
	CallID string `json:"call_id"`
}

// DeclarationFile is what a reviewer needs to know of a file to say
// whether it has a conflict of interest with it, and no more: who asks
// and for what. The file itself opens only after the declaration.
type DeclarationFile struct {
	Reference    string `json:"reference"`
	Organisation string `json:"organisation"`
	Title        string `json:"title"`
}

// ReviewDeclarationResult is the declaration form: the call's eligible
// files, and the declaration once made (Declared, Conflicts).
type ReviewDeclarationResult struct {
	CallID    string            `json:"call_id"`
	Title     string            `json:"title"`
	Declared  bool              `json:"declared"`
	Conflicts []string          `json:"conflicts"`
	Files     []DeclarationFile `json:"files"`
}

// ReviewDeclaration is what the signed-in reviewer declares on: during
// the committee review, to a reviewer assigned to the call (another
// reads it as forbidden).
func (s *Service) ReviewDeclaration(ctx context.Context, by Actor, in ReviewDeclarationInput) (ReviewDeclarationResult, error) {
	res := ReviewDeclarationResult{CallID: in.CallID, Conflicts: []string{}, Files: []DeclarationFile{}}
	if _, err := uuid.Parse(by.ID); err != nil {
		return res, &Error{Kind: Forbidden, Message: "a declaration is a signed-in reviewer's own"}
	}
	err := s.DB.QueryRow(ctx, `SELECT c.title, ra.declared_at IS NOT NULL, ra.conflicts FROM reviewer_assignments ra JOIN calls c USING (call_id)
		WHERE ra.user_id = $1::uuid AND ra.call_id = $2`, by.ID, in.CallID).Scan(&res.Title, &res.Declared, &res.Conflicts)
	if errors.Is(err, pgx.ErrNoRows) {
		return res, &Error{Kind: Forbidden, Message: fmt.Sprintf("you are not a reviewer of %q", in.CallID)}
	}
	if err != nil {
		return res, err
	}
	if _, err := s.requireStage(ctx, in.CallID, reviewStages...); err != nil {
		return res, err
	}
	apps, err := activities.EligibleApplications(ctx, s.DB, in.CallID)
	for _, a := range apps {
		res.Files = append(res.Files, DeclarationFile{Reference: a.Reference, Organisation: a.Association, Title: a.Title})
	}
	return res, err
}
