package workflows

import (
	"github.com/callcycle/callcycle/internal/foureyes"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
)

// CallInput starts (or continues) a call workflow.
type CallInput struct {
	Call callspec.Call `json:"call"`
	// State is nil at launch and carried across continue-as-new.
	State *CallState `json:"state"`
	// MaxUpdatesPerRun triggers continue-as-new before Temporal's 2,000
	// updates per run; 0 means DefaultMaxUpdatesPerRun. Tests lower it.
	MaxUpdatesPerRun int `json:"maxUpdatesPerRun"`
}

// DefaultMaxUpdatesPerRun leaves ample room under history.maxTotalUpdates.
const DefaultMaxUpdatesPerRun = 1000

// CallResult is what a finished call reports.
type CallResult struct {
	Stage     string `json:"stage"`
	Submitted int    `json:"submitted"`
}

// CallState is the small state a call carries: ids, counters, dates.
type CallState struct {
	Stage       string    `json:"stage"`
	Deadline    time.Time `json:"deadline"`
	LaunchedAt  time.Time `json:"launchedAt"`
	Saved       bool      `json:"saved"` // the calls row exists; applications may be recorded
	Announced   bool      `json:"announced"`
	ClosedAt    time.Time `json:"closedAt"`
	CloseReason string    `json:"closeReason"`
	NextSeq     int       `json:"nextSeq"`
	Submitted   int       `json:"submitted"`
	// DupKeys maps intake.DuplicateKey to the reference that holds it.
	// It is looked up, never ranged over.
	DupKeys     map[string]string `json:"dupKeys"`
	MailPending bool              `json:"mailPending"`
	Runs        int               `json:"runs"`

	// Screening: bit seq set once the application has a verdict, and
	// whether it was eligible.
	Screened        bitset           `json:"screened"`
	Eligible        bitset           `json:"eligible"`
	ScreenedCount   int              `json:"screenedCount"`
	EligibleCount   int              `json:"eligibleCount"`
	AutoScreened    bool             `json:"autoScreened"`
	ScreeningEnded  bool             `json:"screeningEnded"`
	ScreeningEndBy  string           `json:"screeningEndBy"`
	ScoringExported bool             `json:"scoringExported"`
	ScoringPath     string           `json:"scoringPath"`
	Proposal        *ProposalSummary `json:"proposal"`
	// CommitteeReminded counts the committee's reminder moments passed
	// (sent or skipped), so a new run does not wait for them again.
	CommitteeReminded int `json:"committeeReminded,omitempty"`

	// Approval: the budget year bounding the wait, the last government
	// status received, the decision.
	BudgetYear int              `json:"budgetYear"`
	LapseAt    time.Time        `json:"lapseAt"`
	Gov        GovernmentStatus `json:"gov"`
	GovKnown   bool             `json:"govKnown"`
	Subscribed bool             `json:"subscribed"`
	Decision   *DecisionSummary `json:"decision"`
	EndReason  string           `json:"endReason"`

	// Grants: how many were started, and which are closed (bit seq).
	GrantsStarted int         `json:"grantsStarted"`
	GrantsClosed  bitset      `json:"grantsClosed"`
	ClosedCount   int         `json:"closedCount"`
	Paid          money.Cents `json:"paid"`
	Recovered     money.Cents `json:"recovered"`

	// Approvals: proposals waiting for a second person (four-eyes).
	Approvals foureyes.State `json:"approvals"`
}

// DecisionSummary is the government's decision as the call carries it.
type DecisionSummary struct {
	Decree     string          `json:"decree"`
	By         string          `json:"by"`
	At         time.Time       `json:"at"`
	Grants     []DecisionGrant `json:"grants"`
	Total      money.Cents     `json:"total"`
	BudgetYear int             `json:"budgetYear"`
}

// ProposalSummary is the committee's proposal as the call carries it; the
// ranking itself is in PostgreSQL.
type ProposalSummary struct {
	Ranked        int           `json:"ranked"`
	Selected      int           `json:"selected"`
	SelectedTotal money.Cents   `json:"selectedTotal"`
	Envelopes     []EnvelopeUse `json:"envelopes"`
	Path          string        `json:"path"`
	Picks         []Pick        `json:"picks"`
	ImportedBy    string        `json:"importedBy"`
	ImportedAt    time.Time     `json:"importedAt"`
}

// Pick is one project of the proposal.
type Pick struct {
	Reference string      `json:"reference"`
	Region    string      `json:"region"`
	Amount    money.Cents `json:"amount"`
	Envelope  string      `json:"envelope"` // reserved region, or "" for the general envelope
}

// EnvelopeUse is one envelope of the proposal ("" = general envelope).
type EnvelopeUse struct {
	Region string      `json:"region"`
	Amount money.Cents `json:"amount"`
	Used   money.Cents `json:"used"`
}

// ScreenInput is a batch of the officer's eligibility verdicts.
type ScreenInput struct {
	Verdicts []Verdict `json:"verdicts"`
	By       string    `json:"by"`
}

// Verdict is one application's eligibility.
type Verdict struct {
	Reference string `json:"reference"`
	Eligible  bool   `json:"eligible"`
	Reason    string `json:"reason"` // required when not eligible; sent to the applicant
}

// ScreenResult counts where screening stands after the batch.
type ScreenResult struct {
	Recorded int `json:"recorded"`
	Pending  int `json:"pending"`
}

// EndScreeningInput ends screening before every application has a verdict.
type EndScreeningInput struct {
	By string `json:"by"`
}

// EndScreeningResult says how many had no verdict (declared eligible).
type EndScreeningResult struct {
	Pending int `json:"pending"`
}

// ImportScoresInput names a workbook import the CLI validated and staged.
type ImportScoresInput struct {
	ImportID string `json:"importId"`
	By       string `json:"by"`
}

// ImportScoresResult is the proposal that came out of it.
type ImportScoresResult struct {
	Proposal ProposalSummary `json:"proposal"`
}

// SubmitInput is a batch of applications (one for `starter apply`, up to
// MaxBatch for `starter import`).
type SubmitInput struct {
	Submissions []intake.Submission `json:"submissions"`
	By          string              `json:"by"` // officer who submitted
}

// MaxBatch bounds one update's payload well under Temporal's 2 MB.
const MaxBatch = 500

// SubmitResult gives each accepted submission its reference, in order.
type SubmitResult struct {
	References []string `json:"references"`
	// Refused lists submissions the handler had to drop after validation:
	// only a duplicate racing in through a concurrent update can land here.
	Refused []RowReason `json:"refused"`
}

// RowReason says why submission Index of a batch was refused.
type RowReason struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// Rejection is the detail of a rejected SubmitInput: every bad row.
type Rejection struct {
	Rows []RowReason `json:"rows"`
	// Fields: the refused fields of an update's input, named as in its
	// JSON (the operations package's Inputs use the same names).
	Fields []FieldProblem `json:"fields,omitempty"`
}

// FieldProblem is one refused field and why ("" for the whole input).
type FieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// CloseInput closes the window before the deadline.
type CloseInput struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// CloseResult tells when it closed.
type CloseResult struct {
	ClosedAt  time.Time `json:"closedAt"`
	Submitted int       `json:"submitted"`
}

// ExtendInput moves the deadline.
type ExtendInput struct {
	Deadline time.Time `json:"deadline"`
	By       string    `json:"by"`
}

// ExtendResult echoes the new deadline.
type ExtendResult struct {
	Previous time.Time `json:"previous"`
	Deadline time.Time `json:"deadline"`
}

// StatusQuery has no parameters; it exists so the query has a type.
type StatusQuery struct{}

// StatusResult is what `starter status` and the Web UI show.
type StatusResult struct {
	CallID      string           `json:"callId"`
	Kind        string           `json:"kind"`
	Year        int              `json:"year"`
	Title       string           `json:"title"`
	Stage       string           `json:"stage"`
	WaitingFor  string           `json:"waitingFor"`
	Deadline    time.Time        `json:"deadline"`
	LaunchedAt  time.Time        `json:"launchedAt"`
	ClosedAt    time.Time        `json:"closedAt"`
	CloseReason string           `json:"closeReason"`
	Submitted   int              `json:"submitted"`
	Envelope    string           `json:"envelope"`
	Runs        int              `json:"runs"`
	Screening   ScreeningStatus  `json:"screening"`
	ScoringPath string           `json:"scoringPath"`
	Proposal    *ProposalSummary `json:"proposal"`
	Paused      bool             `json:"paused"`
	Government  string           `json:"government"`
	BudgetYear  int              `json:"budgetYear"`
	LapseAt     time.Time        `json:"lapseAt"`
	Decision    *DecisionSummary `json:"decision"`
	EndReason   string           `json:"endReason"`
	Grants      GrantsStatus     `json:"grants"`
	Approvals   foureyes.State   `json:"approvals"`
}

// GrantsStatus counts a decided call's grants.
type GrantsStatus struct {
	Total     int         `json:"total"`
	Started   int         `json:"started"`
	Closed    int         `json:"closed"`
	Paid      money.Cents `json:"paid"`
	Recovered money.Cents `json:"recovered"`
}

// ScreeningStatus counts verdicts.
type ScreeningStatus struct {
	Screened   int `json:"screened"`
	Eligible   int `json:"eligible"`
	Ineligible int `json:"ineligible"`
	Pending    int `json:"pending"`
}

// DecideInput is the government's decision, entered by the officer.
type DecideInput struct {
	Decree string          `json:"decree"` // reference of the government decree
	By     string          `json:"by"`
	Grants []DecisionGrant `json:"grants"`
	// Override allows granting a project that is not in the proposal.
	Override bool `json:"override"`
}

// DecisionGrant is one approved project. Region matters only for a
// project outside the proposal (the CLI fills it from the database).
type DecisionGrant struct {
	Reference string      `json:"reference"`
	Amount    money.Cents `json:"amount"`
	Region    string      `json:"region"`
}

// DecideResult summarises the decision.
type DecideResult struct {
	Granted int         `json:"granted"`
	Total   money.Cents `json:"total"`
}

// CarryOverInput continues a lapsed call under a later budget.
type CarryOverInput struct {
	BudgetYear int    `json:"budgetYear"`
	By         string `json:"by"`
}

// CarryOverResult gives the new lapse moment.
type CarryOverResult struct {
	LapseAt time.Time `json:"lapseAt"`
}

// CancelInput ends the call; every applicant is told.
type CancelInput struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// CancelResult is empty.
type CancelResult struct{}
