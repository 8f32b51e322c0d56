package operations

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/callcycle/callcycle/internal/money"
)

// RegisterStages are the stages an application can be filtered by.
var RegisterStages = []string{"received", "eligible", "ineligible", "granted", "rejected"}

// RegisterInput is the register of a call's applications, filtered: by
// stage (RegisterStages), region, and text in the title or the
// organisation's name; empty filters let everything through.
type RegisterInput struct {
	CallID string            `json:"call_id"`
	Stage  string            `json:"stage"`
	Region string            `json:"region"`
	Text   string            `json:"text"`
	Only   ApplicationFilter `json:"-"`
}

// RegisterResult is the applications that pass, by reference, with their
// total amount asked and granted.
type RegisterResult struct {
	CallID       string               `json:"call_id"`
	Applications []ApplicationSummary `json:"applications"`
	Asked        Money                `json:"asked"`
	Granted      Money                `json:"granted"`
	Regions      []string             `json:"regions"` // every region of the call's applications, for the filter
}

// Register lists a call's applications as the officer filters them.
func (s *Service) Register(ctx context.Context, _ Actor, in RegisterInput) (RegisterResult, error) {
	if in.Stage != "" && !slices.Contains(RegisterStages, in.Stage) {
		return RegisterResult{}, refused("stage", "%q is not a stage: one of %s", in.Stage, strings.Join(RegisterStages, ", "))
	}
	if err := s.callRow(ctx, in.CallID); err != nil {
		return RegisterResult{}, err
	}
	where, args := in.Only.where(5)
	rows, err := s.DB.Query(ctx, `SELECT `+summaryColumns+` FROM applications a JOIN applicants o USING (applicant_id)
		WHERE a.call_id = $1 AND ($2 = '' OR a.region = $2)
		AND ($3 = '' OR strpos(lower(a.title || ' ' || o.name), lower($3)) > 0)
		AND CASE $4 WHEN '' THEN true
			WHEN 'received' THEN a.eligible IS NULL
			WHEN 'eligible' THEN a.eligible AND a.decision IS NULL
			WHEN 'ineligible' THEN NOT a.eligible
			ELSE a.decision = $4 END
		AND `+where+` ORDER BY a.seq`, append([]any{in.CallID, in.Region, strings.TrimSpace(in.Text), in.Stage}, args...)...)
	if err != nil {
		return RegisterResult{}, err
	}
	defer rows.Close()
	out := RegisterResult{CallID: in.CallID, Applications: []ApplicationSummary{}}
	for rows.Next() {
		a, err := scanSummary(rows)
		if err != nil {
			return RegisterResult{}, err
		}
		out.Applications = append(out.Applications, a)
		out.Asked.Cents += a.Amount.Cents
		if a.Granted != nil {
			out.Granted.Cents += a.Granted.Cents
		}
	}
	if err := rows.Err(); err != nil {
		return RegisterResult{}, err
	}
	out.Asked, out.Granted = M(money.Cents(out.Asked.Cents)), M(money.Cents(out.Granted.Cents))
	where, args = in.Only.where(2)
	regions, err := s.DB.Query(ctx, `SELECT DISTINCT a.region FROM applications a WHERE a.call_id = $1 AND `+where+` ORDER BY 1`,
		append([]any{in.CallID}, args...)...)
	if err != nil {
		return RegisterResult{}, err
	}
	defer regions.Close()
	for regions.Next() {
		var r string
		if err := regions.Scan(&r); err != nil {
			return RegisterResult{}, fmt.Errorf("regions: %w", err)
		}
		out.Regions = append(out.Regions, r)
	}
	return out, regions.Err()
}
