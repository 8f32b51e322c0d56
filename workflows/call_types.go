package workflows

import (
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
)

// CallInput starts (or continues) a call workflow.
type CallInput struct {
	Call callspec.Call
	// State is nil at launch and carried across continue-as-new.
	State *CallState
	// MaxUpdatesPerRun triggers continue-as-new before Temporal's 2,000
	// updates per run; 0 means DefaultMaxUpdatesPerRun. Tests lower it.
	MaxUpdatesPerRun int
}

// DefaultMaxUpdatesPerRun leaves ample room under history.maxTotalUpdates.
const DefaultMaxUpdatesPerRun = 1000

// CallResult is what a finished call reports.
type CallResult struct {
	Stage     string
	Submitted int
}

// CallState is the small state a call carries: ids, counters, dates.
type CallState struct {
	Stage       string
	Deadline    time.Time
	LaunchedAt  time.Time
	Saved       bool // the calls row exists; applications may be recorded
	Announced   bool
	ClosedAt    time.Time
	CloseReason string
	NextSeq     int
	Submitted   int
	// DupKeys maps intake.DuplicateKey to the reference that holds it.
	// It is looked up, never ranged over.
	DupKeys     map[string]string
	MailPending bool
	Runs        int

	// Screening: bit seq set once the application has a verdict, and
	// whether it was eligible.
	Screened        bitset
	Eligible        bitset
	ScreenedCount   int
	EligibleCount   int
	AutoScreened    bool
	ScreeningEnded  bool
	ScreeningEndBy  string
	ScoringExported bool
	ScoringPath     string
	Proposal        *ProposalSummary

	// Approval: the budget year bounding the wait, the last government
	// status received, the decision.
	BudgetYear int
	LapseAt    time.Time
	Gov        GovernmentStatus
	GovKnown   bool
	Subscribed bool
	Decision   *DecisionSummary
	EndReason  string

	// Grants: how many were started, and which are closed (bit seq).
	GrantsStarted int
	GrantsClosed  bitset
	ClosedCount   int
	Paid          money.Cents
	Recovered     money.Cents
}

// DecisionSummary is the government's decision as the call carries it.
type DecisionSummary struct {
	Decree     string
	By         string
	At         time.Time
	Grants     []DecisionGrant
	Total      money.Cents
	BudgetYear int
}

// ProposalSummary is the committee's proposal as the call carries it; the
// ranking itself is in PostgreSQL.
type ProposalSummary struct {
	Ranked        int
	Selected      int
	SelectedTotal money.Cents
	Envelopes     []EnvelopeUse
	Path          string
	Picks         []Pick
	ImportedBy    string
	ImportedAt    time.Time
}

// Pick is one project of the proposal.
type Pick struct {
	Reference string
	Region    string
	Amount    money.Cents
	Envelope  string // reserved region, or "" for the general envelope
}

// EnvelopeUse is one envelope of the proposal ("" = general envelope).
type EnvelopeUse struct {
	Region string
	Amount money.Cents
	Used   money.Cents
}

// ScreenInput is a batch of the officer's eligibility verdicts.
type ScreenInput struct {
	Verdicts []Verdict
	By       string
}

// Verdict is one application's eligibility.
type Verdict struct {
	Reference string
	Eligible  bool
	Reason    string // required when not eligible; sent to the applicant
}

// ScreenResult counts where screening stands after the batch.
type ScreenResult struct {
	Recorded int
	Pending  int
}

// EndScreeningInput ends screening before every application has a verdict.
type EndScreeningInput struct{ By string }

// EndScreeningResult says how many had no verdict (declared eligible).
type EndScreeningResult struct{ Pending int }

// ImportScoresInput names a workbook import the CLI validated and staged.
type ImportScoresInput struct {
	ImportID string
	By       string
}

// ImportScoresResult is the proposal that came out of it.
type ImportScoresResult struct{ Proposal ProposalSummary }

// SubmitInput is a batch of applications (one for `starter apply`, up to
// MaxBatch for `starter import`).
type SubmitInput struct {
	Submissions []intake.Submission
	By          string // officer who submitted
}

// MaxBatch bounds one update's payload well under Temporal's 2 MB.
const MaxBatch = 500

// SubmitResult gives each accepted submission its reference, in order.
type SubmitResult struct {
	References []string
	// Refused lists submissions the handler had to drop after validation:
	// only a duplicate racing in through a concurrent update can land here.
	Refused []RowReason
}

// RowReason says why submission Index of a batch was refused.
type RowReason struct {
	Index  int
	Reason string
}

// Rejection is the detail of a rejected SubmitInput: every bad row.
type Rejection struct {
	Rows []RowReason
}

// CloseInput closes the window before the deadline.
type CloseInput struct {
	By     string
	Reason string
}

// CloseResult tells when it closed.
type CloseResult struct {
	ClosedAt  time.Time
	Submitted int
}

// ExtendInput moves the deadline.
type ExtendInput struct {
	Deadline time.Time
	By       string
}

// ExtendResult echoes the new deadline.
type ExtendResult struct {
	Previous time.Time
	Deadline time.Time
}

// StatusQuery has no parameters; it exists so the query has a type.
type StatusQuery struct{}

// StatusResult is what `starter status` and the Web UI show.
type StatusResult struct {
	CallID      string
	Kind        string
	Year        int
	Title       string
	Stage       string
	WaitingFor  string
	Deadline    time.Time
	LaunchedAt  time.Time
	ClosedAt    time.Time
	CloseReason string
	Submitted   int
	Envelope    string
	Runs        int
	Screening   ScreeningStatus
	ScoringPath string
	Proposal    *ProposalSummary
	Paused      bool
	Government  string
	BudgetYear  int
	LapseAt     time.Time
	Decision    *DecisionSummary
	EndReason   string
	Grants      GrantsStatus
}

// GrantsStatus counts a decided call's grants.
type GrantsStatus struct {
	Total     int
	Started   int
	Closed    int
	Paid      money.Cents
	Recovered money.Cents
}

// ScreeningStatus counts verdicts.
type ScreeningStatus struct {
	Screened   int
	Eligible   int
	Ineligible int
	Pending    int
}

// DecideInput is the government's decision, entered by the officer.
type DecideInput struct {
	Decree string // reference of the government decree
	By     string
	Grants []DecisionGrant
	// Override allows granting a project that is not in the proposal.
	Override bool
}

// DecisionGrant is one approved project. Region matters only for a
// project outside the proposal (the CLI fills it from the database).
type DecisionGrant struct {
	Reference string
	Amount    money.Cents
	Region    string
}

// DecideResult summarises the decision.
type DecideResult struct {
	Granted int
	Total   money.Cents
}

// CarryOverInput continues a lapsed call under a later budget.
type CarryOverInput struct {
	BudgetYear int
	By         string
}

// CarryOverResult gives the new lapse moment.
type CarryOverResult struct{ LapseAt time.Time }

// CancelInput ends the call; every applicant is told.
type CancelInput struct {
	Reason string
	By     string
}

// CancelResult is empty.
type CancelResult struct{}
