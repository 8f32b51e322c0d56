package workflows

import (
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
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
}

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
}
