package operations

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
)

// CallsInput asks for every call, for the officers' dashboard.
type CallsInput struct{}

// CallRow is one call on the dashboard: where it stands and on whom it
// waits (from the workflow while it runs), and its counts.
type CallRow struct {
	CallID     string    `json:"call_id"`
	Kind       string    `json:"kind"`
	Year       int       `json:"year"`
	Title      string    `json:"title"`
	Stage      string    `json:"stage"`
	WaitingFor string    `json:"waiting_for"`
	Deadline   time.Time `json:"deadline"`
	Submitted  int       `json:"submitted"`
	Eligible   int       `json:"eligible"`
	Pending    int       `json:"pending"` // applications without an eligibility verdict
	Approvals  int       `json:"approvals"`
	Grants     int       `json:"grants"`
	Paused     bool      `json:"paused"`
	WorkflowID string    `json:"workflow_id"`
}

// CallsResult is the calls, newest first.
type CallsResult struct {
	Calls []CallRow `json:"calls"`
}

// Calls lists every call with its stage. A running call is asked (the
// workflow knows on whom it waits); an ended one is read from
// PostgreSQL, which outlives the namespace's retention.
func (s *Service) Calls(ctx context.Context, _ Actor, _ CallsInput) (CallsResult, error) {
	rows, err := s.DB.Query(ctx, `SELECT c.call_id, c.kind, c.year, c.title, c.status,
		coalesce((c.config->>'deadline')::timestamptz, 'epoch'),
		count(a.reference), count(a.reference) FILTER (WHERE a.eligible), count(a.reference) FILTER (WHERE a.eligible IS NULL),
		(SELECT count(*) FROM grants g WHERE g.call_id = c.call_id)
		FROM calls c LEFT JOIN applications a USING (call_id)
		GROUP BY c.call_id ORDER BY c.launched_at DESC, c.call_id`)
	if err != nil {
		return CallsResult{}, err
	}
	var out []CallRow
	var status []string
	for rows.Next() {
		var r CallRow
		var st string
		if err := rows.Scan(&r.CallID, &r.Kind, &r.Year, &r.Title, &st, &r.Deadline, &r.Submitted, &r.Eligible, &r.Pending, &r.Grants); err != nil {
			rows.Close()
			return CallsResult{}, err
		}
		r.WorkflowID = workflows.CallWorkflowID(r.CallID)
		out = append(out, r)
		status = append(status, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return CallsResult{}, err
	}
	for i := range out {
		r := &out[i]
		r.Stage = endedStage(status[i])
		if r.Stage != "" && status[i] != "decided" {
			continue
		}
		st, err := s.callStatus(ctx, r.CallID)
		if KindOf(err) == NotFound {
			r.Stage = endedStage("completed")
			continue
		}
		if err != nil {
			return CallsResult{}, err
		}
		r.Stage, r.WaitingFor, r.Paused, r.Approvals = st.Stage, st.WaitingFor, st.Paused, len(pendingOf(false, st.Approvals))
	}
	return CallsResult{Calls: out}, nil
}

// endedStage is the stage of a call PostgreSQL records as over ("" while
// it runs: then only the workflow knows).
func endedStage(status string) string {
	switch status {
	case "lapsed":
		return workflows.StageLapsed
	case "cancelled":
		return workflows.StageCancelled
	case "decided":
		return workflows.StageDecided
	}
	return ""
}

// GrantsInput lists grants ("" CallID: every call's).
type GrantsInput struct {
	CallID string `json:"call_id"`
}

// GrantRow is one grant with its money and its report.
type GrantRow struct {
	GrantID      string     `json:"grant_id"`
	CallID       string     `json:"call_id"`
	Reference    string     `json:"reference"`
	Organisation string     `json:"organisation"`
	Title        string     `json:"title"`
	Status       string     `json:"status"` // agreement, running, review, closed
	Granted      Money      `json:"granted"`
	Paid         Money      `json:"paid"`
	SignedOn     *time.Time `json:"signed_on"`
	ReportDue    *time.Time `json:"report_due"`
	Late         bool       `json:"late"` // the final report is overdue
	WorkflowID   string     `json:"workflow_id"`
}

// GrantsResult is the grants, late reports first, then by report due.
type GrantsResult struct {
	Grants []GrantRow `json:"grants"`
}

// Grants lists grants from PostgreSQL, the late reports first: what an
// officer chases.
func (s *Service) Grants(ctx context.Context, _ Actor, in GrantsInput) (GrantsResult, error) {
	rows, err := s.DB.Query(ctx, `SELECT g.grant_id, g.call_id, g.reference, o.name, a.title, g.status, g.granted_cents,
		coalesce((SELECT sum(l.amount_cents) FROM ledger l WHERE l.grant_id = g.grant_id AND l.kind = 'payment' AND l.paid_on IS NOT NULL), 0),
		g.signed_on::timestamptz, g.report_due,
		g.closed_at IS NULL AND g.status <> 'review' AND g.report_due < $2 AS late
		FROM grants g JOIN applications a USING (reference) JOIN applicants o USING (applicant_id)
		WHERE $1 = '' OR g.call_id = $1
		ORDER BY late DESC, g.report_due NULLS LAST, g.grant_id`, in.CallID, s.now())
	if err != nil {
		return GrantsResult{}, err
	}
	defer rows.Close()
	out := GrantsResult{Grants: []GrantRow{}}
	for rows.Next() {
		var g GrantRow
		var granted, paid int64
		if err := rows.Scan(&g.GrantID, &g.CallID, &g.Reference, &g.Organisation, &g.Title, &g.Status, &granted, &paid,
			&g.SignedOn, &g.ReportDue, &g.Late); err != nil {
			return GrantsResult{}, err
		}
		g.Granted, g.Paid, g.WorkflowID = M(money.Cents(granted)), M(money.Cents(paid)), workflows.GrantWorkflowID(g.Reference)
		out.Grants = append(out.Grants, g)
	}
	return out, rows.Err()
}
