package operations

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/jackc/pgx/v5"
)

// CommitteeInput names the call whose committee an officer follows.
type CommitteeInput struct {
	CallID string `json:"call_id"`
}

// CommitteeMember is one assigned reviewer and where its sheet stands.
type CommitteeMember struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Declared  bool   `json:"declared"`
	Conflicts int    `json:"conflicts"`
	Files     int    `json:"files"` // eligible files it scores (without its conflicts)
	Scored    int    `json:"scored"`
	Returned  bool   `json:"returned"`
}

// CommitteeResult is the committee of a call: on whom the ranking waits.
type CommitteeResult struct {
	CallID   string            `json:"call_id"`
	Deadline time.Time         `json:"deadline,omitzero"`
	Members  []CommitteeMember `json:"members"`
	Ranked   bool              `json:"ranked"`
}

// Committee tells the officer who of the call's reviewers has declared
// and returned its sheet, by code: the ranking waits on those who have
// not (their conflicts are only counted, not named).
func (s *Service) Committee(ctx context.Context, _ Actor, in CommitteeInput) (CommitteeResult, error) {
	res := CommitteeResult{CallID: in.CallID, Members: []CommitteeMember{}}
	if err := s.callRow(ctx, in.CallID); err != nil {
		return res, err
	}
	var cfg callspec.Call
	if err := s.DB.QueryRow(ctx, `SELECT config FROM calls WHERE call_id = $1`, in.CallID).Scan(&cfg); err != nil {
		return res, err
	}
	res.Deadline = cfg.Committee.Deadline
	rows, err := s.DB.Query(ctx, `SELECT coalesce(ra.code, ''), u.name, ra.declared_at IS NOT NULL, cardinality(ra.conflicts),
		(SELECT count(*) FROM applications a WHERE a.call_id = ra.call_id AND a.eligible AND NOT a.reference = ANY (ra.conflicts)),
		(SELECT count(*) FROM review_sheet_scores r JOIN applications a USING (reference)
			WHERE r.call_id = ra.call_id AND r.user_id = ra.user_id AND a.eligible AND NOT a.reference = ANY (ra.conflicts)),
		`+returnedSQL+`
		FROM reviewer_assignments ra JOIN users u USING (user_id) WHERE ra.call_id = $1 ORDER BY ra.code NULLS LAST, u.name`, in.CallID)
	if err != nil {
		return res, err
	}
	res.Members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CommitteeMember, error) {
		var m CommitteeMember
		return m, r.Scan(&m.Code, &m.Name, &m.Declared, &m.Conflicts, &m.Files, &m.Scored, &m.Returned)
	})
	if err != nil {
		return res, err
	}
	err = s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ranking WHERE call_id = $1)`, in.CallID).Scan(&res.Ranked)
	return res, err
}
