package operations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/jackc/pgx/v5"
)

// ApplicationFilter narrows the applications a person may read; the
// portal sets it from who asks (the zero value: all, as for an officer).
// A file out of the filter is answered exactly as one that does not
// exist, so references, which are sequential, reveal nothing.
type ApplicationFilter struct {
	Organisation int64  // an applicant: its organisation's only (-1: none)
	GrantedOnly  bool   // finance: the granted ones
	Reviewer     string // a reviewer's user id: calls assigned to it, once declared, without its conflicts
}

// where is the filter as SQL on applications a, its arguments from n on.
func (f ApplicationFilter) where(n int) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", n+len(args)-1) }
	if f.Organisation != 0 {
		conds = append(conds, "a.applicant_id = "+arg(f.Organisation))
	}
	if f.GrantedOnly {
		conds = append(conds, "a.decision = 'granted'")
	}
	if f.Reviewer != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM reviewer_assignments ra WHERE ra.user_id = `+arg(f.Reviewer)+`::uuid
			AND ra.call_id = a.call_id AND ra.declared_at IS NOT NULL AND NOT a.reference = ANY (ra.conflicts))`)
	}
	if len(conds) == 0 {
		return "true", nil
	}
	return strings.Join(conds, " AND "), args
}

// ApplicationsInput lists a call's applications ("" CallID: every call's).
type ApplicationsInput struct {
	CallID string            `json:"call_id"`
	Only   ApplicationFilter `json:"-"`
}

// ApplicationSummary is one application, without personal data (no
// contact, address or bank account).
type ApplicationSummary struct {
	Reference    string    `json:"reference"`
	CallID       string    `json:"call_id"`
	Organisation string    `json:"organisation"`
	Title        string    `json:"title"`
	Region       string    `json:"region"`
	Amount       Money     `json:"amount"`
	SubmittedAt  time.Time `json:"submitted_at"`
	Eligible     *bool     `json:"eligible"` // null until screened
	Decision     string    `json:"decision"` // granted, rejected, or "" before the decision
	Granted      *Money    `json:"granted"`
}

// ApplicationsResult is the list, by reference.
type ApplicationsResult struct {
	CallID       string               `json:"call_id"`
	Applications []ApplicationSummary `json:"applications"`
}

const summaryColumns = `a.reference, a.call_id, o.name, a.title, a.region, a.amount_cents, a.submitted_at, a.eligible,
	coalesce(a.decision, ''), a.granted_cents`

func scanSummary(row pgx.Row, extra ...any) (ApplicationSummary, error) {
	var s ApplicationSummary
	var amount int64
	var granted *int64
	err := row.Scan(append([]any{&s.Reference, &s.CallID, &s.Organisation, &s.Title, &s.Region, &amount, &s.SubmittedAt,
		&s.Eligible, &s.Decision, &granted}, extra...)...)
	s.Amount = M(money.Cents(amount))
	if granted != nil {
		g := M(money.Cents(*granted))
		s.Granted = &g
	}
	return s, err
}

// Applications lists the applications the filter lets through.
func (s *Service) Applications(ctx context.Context, _ Actor, in ApplicationsInput) (ApplicationsResult, error) {
	if in.Only.Reviewer != "" {
		var declared bool
		err := s.DB.QueryRow(ctx, `SELECT declared_at IS NOT NULL FROM reviewer_assignments WHERE user_id = $1::uuid AND call_id = $2`,
			in.Only.Reviewer, in.CallID).Scan(&declared)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ApplicationsResult{}, &Error{Kind: Forbidden, Message: fmt.Sprintf("you are not a reviewer of %q", in.CallID)}
		case err != nil:
			return ApplicationsResult{}, err
		case !declared:
			return ApplicationsResult{}, &Error{Kind: Forbidden, Message: fmt.Sprintf("declare your conflicts of interest for %s first", in.CallID)}
		}
	}
	where, args := in.Only.where(2)
	rows, err := s.DB.Query(ctx, `SELECT `+summaryColumns+` FROM applications a JOIN applicants o USING (applicant_id)
		WHERE ($1 = '' OR a.call_id = $1) AND `+where+` ORDER BY a.call_id, a.seq`, append([]any{in.CallID}, args...)...)
	if err != nil {
		return ApplicationsResult{}, err
	}
	defer rows.Close()
	out := ApplicationsResult{CallID: in.CallID, Applications: []ApplicationSummary{}}
	for rows.Next() {
		a, err := scanSummary(rows)
		if err != nil {
			return ApplicationsResult{}, err
		}
		out.Applications = append(out.Applications, a)
	}
	return out, rows.Err()
}

// ApplicationInput names one application.
type ApplicationInput struct {
	Reference string            `json:"reference"`
	Only      ApplicationFilter `json:"-"`
}

// ApplicationFile is one application as its readers see it.
type ApplicationFile struct {
	ApplicationSummary
	Summary         string `json:"summary"`
	DurationMonths  int    `json:"duration_months"`
	ScreeningReason string `json:"screening_reason"`
}

// Application is one application, or NotFound, the same for one that
// does not exist and one the filter hides.
func (s *Service) Application(ctx context.Context, _ Actor, in ApplicationInput) (ApplicationFile, error) {
	where, args := in.Only.where(2)
	var f ApplicationFile
	var reason *string
	row := s.DB.QueryRow(ctx, `SELECT `+summaryColumns+`, a.summary, a.duration_months, a.screening_reason
		FROM applications a JOIN applicants o USING (applicant_id) WHERE a.reference = $1 AND `+where, append([]any{in.Reference}, args...)...)
	sum, err := scanSummary(row, &f.Summary, &f.DurationMonths, &reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return ApplicationFile{}, &Error{Kind: NotFound, Message: fmt.Sprintf("no application %q", in.Reference),
			Problems: []Problem{{Field: "reference", Reason: "no such application"}}}
	}
	if err != nil {
		return ApplicationFile{}, err
	}
	f.ApplicationSummary = sum
	if reason != nil {
		f.ScreeningReason = *reason
	}
	return f, nil
}

// OrganisationName is an applicant organisation's name, or NotFound.
func (s *Service) OrganisationName(ctx context.Context, id int64) (string, error) {
	var name string
	err := s.DB.QueryRow(ctx, `SELECT name FROM applicants WHERE applicant_id = $1`, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", &Error{Kind: NotFound, Message: "no such organisation"}
	}
	return name, err
}
