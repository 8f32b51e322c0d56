package operations

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/jackc/pgx/v5"
)

// AssignReviewerInput makes a person with the reviewer role a reviewer
// of a call (by the address they sign in with).
type AssignReviewerInput struct {
	CallID string `json:"call_id"`
	Email  string `json:"email"`
	// Code is the reviewer code of committee.reviewers they score as
	// (their sheet); "" gives the first one not yet given.
	Code string `json:"code"`
}

// AssignReviewerResult names the assignment by the reviewer's user id
// (pseudonymous: no address in the answer's audit trail).
type AssignReviewerResult struct {
	CallID   string `json:"call_id"`
	Reviewer string `json:"reviewer"` // user id
	Name     string `json:"name"`
	Code     string `json:"code"` // their sheet in the scoring workbook
}

// AssignReviewer assigns a reviewer to a call; assigning twice is done already.
func (s *Service) AssignReviewer(ctx context.Context, by Actor, in AssignReviewerInput) (res AssignReviewerResult, err error) {
	defer s.audited(ctx, by, "call.assign-reviewer", in.CallID, &err, func() string { return in.CallID + " " + res.Reviewer })
	if err := s.callRow(ctx, in.CallID); err != nil {
		return res, err
	}
	var roles []string
	err = s.DB.QueryRow(ctx, `SELECT u.user_id::text, u.name, coalesce(array_agg(r.role) FILTER (WHERE r.role IS NOT NULL), '{}')
		FROM users u LEFT JOIN user_roles r USING (user_id) WHERE lower(u.email) = lower($1) AND u.disabled_at IS NULL
		GROUP BY u.user_id, u.name`, strings.TrimSpace(in.Email)).Scan(&res.Reviewer, &res.Name, &roles)
	if errors.Is(err, pgx.ErrNoRows) {
		return AssignReviewerResult{}, refused("email", "no person signs in with this address: an administrator adds them first")
	}
	if err != nil {
		return AssignReviewerResult{}, err
	}
	if !slices.Contains(roles, "reviewer") {
		return AssignReviewerResult{}, refused("email", "%s does not hold the reviewer role", res.Name)
	}
	res.CallID = in.CallID
	var already bool
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO reviewer_assignments (user_id, call_id, assigned_by) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, res.Reviewer, in.CallID, by.Name)
		if err != nil {
			return err
		}
		if already = tag.RowsAffected() == 0; already {
			return nil
		}
		res.Code, err = s.giveCode(ctx, tx, res.Reviewer, in.CallID, strings.TrimSpace(in.Code))
		return err
	})
	if err != nil {
		return AssignReviewerResult{}, err
	}
	if already {
		return res, &Error{Kind: AlreadyDone, Message: fmt.Sprintf("%s already reviews %s", res.Name, in.CallID)}
	}
	return res, nil
}

// DeclareInput is a reviewer's declaration for a call: the applications
// it has a conflict of interest with (none is a declaration too).
type DeclareInput struct {
	CallID    string   `json:"call_id"`
	Conflicts []string `json:"conflicts"`
	// Language is the reviewer's (fr, nl or en; "" is fr): the committee's
	// reminders are written in it.
	Language string `json:"language"`
}

// DeclareResult is the declaration kept.
type DeclareResult struct {
	CallID    string   `json:"call_id"`
	Conflicts []string `json:"conflicts"`
}

// Declare records the signed-in reviewer's declaration (by.ID); only then
// does it see the call's files, less its conflicts. It is made once.
func (s *Service) Declare(ctx context.Context, by Actor, in DeclareInput) (res DeclareResult, err error) {
	defer s.audited(ctx, by, "review.declare", in, &err, func() string { return in.CallID })
	var conflicts []string
	for _, c := range in.Conflicts {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(conflicts, c) {
			conflicts = append(conflicts, c)
		}
	}
	if len(conflicts) > 0 {
		var n int
		if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM applications WHERE call_id = $1 AND reference = ANY ($2)`, in.CallID, conflicts).Scan(&n); err != nil {
			return res, err
		}
		if n != len(conflicts) {
			return res, refused("conflicts", "name applications of %s by their reference (such as %s-0001)", in.CallID, in.CallID)
		}
	}
	if by.ID == "" {
		return res, refused("", "a declaration is a signed-in reviewer's own")
	}
	lang := in.Language
	if lang == "" {
		lang = "fr"
	}
	if !slices.Contains(callspec.Languages, lang) {
		return res, refused("language", "want fr, nl or en, got %q", in.Language)
	}
	tag, err := s.DB.Exec(ctx, `UPDATE reviewer_assignments SET declared_at = now(), conflicts = $3, language = $4
		WHERE user_id = $1::uuid AND call_id = $2 AND declared_at IS NULL`, by.ID, in.CallID, append([]string{}, conflicts...), lang)
	if err != nil {
		return res, err
	}
	if tag.RowsAffected() == 0 {
		var declared bool
		err := s.DB.QueryRow(ctx, `SELECT declared_at IS NOT NULL FROM reviewer_assignments WHERE user_id = $1::uuid AND call_id = $2`, by.ID, in.CallID).Scan(&declared)
		if errors.Is(err, pgx.ErrNoRows) {
			return res, &Error{Kind: NotFound, Message: fmt.Sprintf("you are not a reviewer of %q", in.CallID)}
		}
		if err != nil {
			return res, err
		}
		return res, &Error{Kind: AlreadyDone, Message: fmt.Sprintf("your declaration for %s is already made", in.CallID)}
	}
	return DeclareResult{CallID: in.CallID, Conflicts: append([]string{}, conflicts...)}, nil
}

// callRow: the call exists in the database, or NotFound.
func (s *Service) callRow(ctx context.Context, callID string) error {
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM calls WHERE call_id = $1`, callID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return &Error{Kind: NotFound, Message: fmt.Sprintf("no call %q", callID), Problems: []Problem{{Field: "call_id", Reason: "no such call"}}}
	}
	return nil
}
