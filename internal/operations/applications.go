package operations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
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
			AND ra.call_id = a.call_id AND ra.declared_at IS NOT NULL AND NOT a.reference = ANY (ra.conflicts))`,
			// A reviewer scores the eligible files only; the others are not its to read.
			"a.eligible IS TRUE")
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

// ApplicationFile is one application as its readers see it: what was
// asked, where it stands and what it waits on, the decision with its
// score, the grant (agreement, payments, report due and reminders) and
// the files sent with it.
type ApplicationFile struct {
	ApplicationSummary
	Summary         string       `json:"summary"`
	DurationMonths  int          `json:"duration_months"`
	ScreeningReason string       `json:"screening_reason"`
	WaitingOn       Wait         `json:"waiting_on"`
	Score           *FileScore   `json:"score"` // once decided, when the committee ranked it
	Grant           *FileGrant   `json:"grant"` // once the grant is open
	Attachments     []Attachment `json:"attachments"`
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
	if err := s.fileDetails(ctx, &f); err != nil {
		return ApplicationFile{}, classify("", err)
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

// Wait is what an application waits on, for its applicant: a code a
// page words in its reader's language.
type Wait string

const (
	WaitScreening     Wait = "screening"      // the office checks eligibility
	WaitCommittee     Wait = "committee"      // the committee scores
	WaitGovernment    Wait = "government"     // the government decides on the proposal
	WaitCaretaker     Wait = "caretaker"      // the same, paused while the government is in caretaker mode
	WaitBudget        Wait = "budget"         // the call lapsed with its budget year: the office carries it over or not
	WaitAgreement     Wait = "agreement"      // granted: the office prepares the agreement
	WaitSignature     Wait = "signature"      // the applicant's signed agreement
	WaitReport        Wait = "report"         // the applicant's final report, by ReportDue
	WaitReportOverdue Wait = "report_overdue" // the same, past its due date
	WaitReportReview  Wait = "report_review"  // the office reviews the report
	WaitFinance       Wait = "finance"        // finance pays the last tranche or receives the recovery
	WaitNothing       Wait = "nothing"        // decided against, ineligible, closed or cancelled
)

// Waits are every Wait, for pages to check they word each one.
var Waits = []Wait{WaitScreening, WaitCommittee, WaitGovernment, WaitCaretaker, WaitBudget, WaitAgreement, WaitSignature,
	WaitReport, WaitReportOverdue, WaitReportReview, WaitFinance, WaitNothing}

// FileScore is the committee's ranking of an application.
type FileScore struct {
	Rank      int   `json:"rank"`
	Ranked    int   `json:"ranked"` // applications ranked in the call
	Total     int64 `json:"total"`  // Σ weight × score over reviewers without a conflict
	Max       int64 `json:"max"`
	Reviewers int   `json:"reviewers"`
}

// FileGrant is the grant of an application, as the ledger and the
// grants table hold it.
type FileGrant struct {
	GrantID       string        `json:"grant_id"`
	Stage         string        `json:"stage"` // the grant workflow's: agreement, running, overdue, review, closing, closed
	Amount        Money         `json:"amount"`
	AgreementSent *time.Time    `json:"agreement_sent"`
	SignedOn      *time.Time    `json:"signed_on"`
	ProjectEnd    *time.Time    `json:"project_end"`
	ReportDue     *time.Time    `json:"report_due"`
	ClosedAt      *time.Time    `json:"closed_at"`
	Payments      []FilePayment `json:"payments"`
	Reminders     []time.Time   `json:"reminders"` // report reminders mailed, when
	Reports       []FileReport  `json:"reports"`
}

// ReportAwaited: the grant takes its final report now.
func (g *FileGrant) ReportAwaited() bool {
	return g != nil && (g.Stage == "running" || g.Stage == "overdue")
}

// FilePayment is one tranche of the call's schedule, or the recovery:
// ordered (sent to finance) or not yet, paid or not yet.
type FilePayment struct {
	Tranche   int        `json:"tranche"` // 1-based; 0: the recovery of unspent money
	Kind      string     `json:"kind"`    // payment, recovery
	Percent   int        `json:"percent"`
	On        string     `json:"on"` // when it falls due: signature, final-report…
	Amount    Money      `json:"amount"`
	OrderedAt *time.Time `json:"ordered_at"`
	PaidOn    *time.Time `json:"paid_on"`
}

// FileReport is one final report received, and its review.
type FileReport struct {
	Revision   int       `json:"revision"`
	ReceivedOn time.Time `json:"received_on"`
	Review     string    `json:"review"` // approved, revise, or "" while under review
	Note       string    `json:"note"`   // revise: what to change
}

// fileDetails adds what f waits on, its score, grant and files, from
// the tables the workflows' activities keep.
func (s *Service) fileDetails(ctx context.Context, f *ApplicationFile) error {
	var callStatus string
	var ranked bool
	var caretaker bool
	var score FileScore
	err := s.DB.QueryRow(ctx, `SELECT c.status, r.reference IS NOT NULL, coalesce(r.rank, 0), coalesce(r.total, 0), coalesce(r.max_total, 0),
			coalesce(r.reviewers, 0), (SELECT count(*) FROM ranking x WHERE x.call_id = c.call_id),
			coalesce((SELECT caretaker FROM government_changes ORDER BY version DESC LIMIT 1), false)
		FROM calls c LEFT JOIN ranking r ON r.reference = $1 WHERE c.call_id = $2`, f.Reference, f.CallID).
		Scan(&callStatus, &ranked, &score.Rank, &score.Total, &score.Max, &score.Reviewers, &score.Ranked, &caretaker)
	if err != nil {
		return err
	}
	if ranked && f.Decision != "" {
		f.Score = &score
	}
	if f.Decision == "granted" {
		if f.Grant, err = s.fileGrant(ctx, f.Reference, f.CallID); err != nil {
			return err
		}
	}
	if f.Attachments, err = s.attachmentsOf(ctx, f.Reference); err != nil {
		return err
	}
	f.WaitingOn = waitOf(f, callStatus, ranked, caretaker)
	return nil
}

// waitOf is what f waits on, from its own state first, then its call's.
func waitOf(f *ApplicationFile, callStatus string, ranked, caretaker bool) Wait {
	if g := f.Grant; g != nil {
		if w, ok := grantWaits[g.Stage]; ok {
			return w
		}
		return WaitNothing // closed
	}
	switch {
	case f.Decision == "granted":
		return WaitAgreement
	case f.Decision != "", f.Eligible != nil && !*f.Eligible, callStatus == "cancelled":
		return WaitNothing
	case callStatus == "lapsed":
		return WaitBudget
	case f.Eligible == nil:
		return WaitScreening
	case !ranked:
		return WaitCommittee
	case caretaker:
		return WaitCaretaker
	}
	return WaitGovernment
}

// grantWaits are what a grant at each stage but closed waits on.
var grantWaits = map[string]Wait{"agreement": WaitSignature, "running": WaitReport, "overdue": WaitReportOverdue,
	"review": WaitReportReview, "closing": WaitFinance}

// fileGrant reads reference's grant, or nil while it is not open yet.
func (s *Service) fileGrant(ctx context.Context, reference, callID string) (*FileGrant, error) {
	g := &FileGrant{Payments: []FilePayment{}, Reminders: []time.Time{}, Reports: []FileReport{}}
	var amount int64
	err := s.DB.QueryRow(ctx, `SELECT grant_id, status, granted_cents, agreement_sent, signed_on::timestamp AT TIME ZONE 'Europe/Brussels',
			project_end, report_due, closed_at
		FROM grants WHERE reference = $1`, reference).
		Scan(&g.GrantID, &g.Stage, &amount, &g.AgreementSent, &g.SignedOn, &g.ProjectEnd, &g.ReportDue, &g.ClosedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	g.Amount = M(money.Cents(amount))
	// The schedule is the call's, split as the grant workflow splits it;
	// the ledger says which tranches were ordered and paid.
	var raw []byte
	if err := s.DB.QueryRow(ctx, `SELECT config FROM calls WHERE call_id = $1`, callID).Scan(&raw); err != nil {
		return nil, err
	}
	var call callspec.Call
	if err := json.Unmarshal(raw, &call); err != nil {
		return nil, fmt.Errorf("call %s config: %w", callID, err)
	}
	weights := make([]int, len(call.Tranches))
	for i, t := range call.Tranches {
		weights[i] = t.Percent
	}
	for i, share := range money.Split(money.Cents(amount), weights) {
		g.Payments = append(g.Payments, FilePayment{Tranche: i + 1, Kind: "payment", Percent: call.Tranches[i].Percent,
			On: call.Tranches[i].On, Amount: M(share)})
	}
	rows, err := s.DB.Query(ctx, `SELECT tranche, kind, amount_cents, ordered_at, paid_on::timestamp AT TIME ZONE 'Europe/Brussels'
		FROM ledger WHERE grant_id = $1 ORDER BY kind, tranche`, g.GrantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p FilePayment
		var cents int64
		var ordered time.Time
		if err := rows.Scan(&p.Tranche, &p.Kind, &cents, &ordered, &p.PaidOn); err != nil {
			return nil, err
		}
		p.Amount, p.OrderedAt = M(money.Cents(cents)), &ordered
		if p.Kind == "payment" && p.Tranche >= 1 && p.Tranche <= len(g.Payments) {
			p.Percent, p.On = g.Payments[p.Tranche-1].Percent, g.Payments[p.Tranche-1].On
			g.Payments[p.Tranche-1] = p
		} else {
			g.Payments = append(g.Payments, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := s.DB.QueryRow(ctx, `SELECT coalesce(array_agg(sent_at ORDER BY sent_at), '{}') FROM mail_log
		WHERE reference = $1 AND kind = 'report-reminder' AND status = 'sent'`, reference).Scan(&g.Reminders); err != nil {
		return nil, err
	}
	rep, err := s.DB.Query(ctx, `SELECT revision, received_on, coalesce(review, ''), coalesce(review_note, '')
		FROM reports WHERE grant_id = $1 ORDER BY revision`, g.GrantID)
	if err != nil {
		return nil, err
	}
	if g.Reports, err = pgx.CollectRows(rep, pgx.RowToStructByPos[FileReport]); err != nil {
		return nil, err
	}
	if g.Reports == nil {
		g.Reports = []FileReport{}
	}
	return g, nil
}

// CallRulesInput names a launched call.
type CallRulesInput struct {
	CallID string `json:"call_id"`
}

// CallRules is a launched call's rules, open or not (OpenCalls lists
// only the open ones), with the workflow's deadline when it answers:
// a form sent after the deadline is refused beside the rules it was
// filled against. NotFound for a call never launched.
func (s *Service) CallRules(ctx context.Context, _ Actor, in CallRulesInput) (OpenCall, error) {
	var raw []byte
	err := s.DB.QueryRow(ctx, `SELECT config FROM calls WHERE call_id = $1`, in.CallID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return OpenCall{}, notFound("no call %q", in.CallID)
	}
	if err != nil {
		return OpenCall{}, classify("", err)
	}
	var c callspec.Call
	if err := json.Unmarshal(raw, &c); err != nil {
		return OpenCall{}, fmt.Errorf("call %s config: %w", in.CallID, err)
	}
	deadline := c.Deadline
	if st, err := s.callStatus(ctx, c.ID); err == nil {
		deadline = st.Deadline
	}
	oc := OpenCall{CallID: c.ID, Kind: c.Kind, Year: c.Year, Title: c.Title, Theme: c.Theme, Envelope: M(c.Envelope),
		MinGrant: M(c.MinGrant), MaxGrant: M(c.MaxGrant), Regions: c.Regions, Deadline: deadline,
		Reserved: []ReservedEnvelope{}, Criteria: []Criterion{}}
	for _, r := range c.Reserved {
		oc.Reserved = append(oc.Reserved, ReservedEnvelope{Region: r.Region, Amount: M(r.Amount)})
	}
	for _, k := range c.Criteria {
		oc.Criteria = append(oc.Criteria, Criterion{Name: k.Name, Weight: k.Weight})
	}
	return oc, nil
}
