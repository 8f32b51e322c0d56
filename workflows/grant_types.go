package workflows

import (
	"time"

	"github.com/callcycle/callcycle/internal/grantspec"
	"github.com/callcycle/callcycle/internal/money"
)

// Grant workflow and message names.
const (
	GrantWorkflowName = grantspec.WorkflowName
	UpdateSign        = "grant-sign"
	UpdatePaid        = "grant-paid"
	UpdateEndDate     = "grant-end-date"
	UpdateReport      = "grant-report"
	UpdateReview      = "grant-review"
	QueryGrant        = "grant-status"
	SignalGrantClosed = "grant-closed" // sent to the call
)

// GrantWorkflowID is a grant's workflow id, e.g. GRANT-AP-SUD-2024-0007.
func GrantWorkflowID(reference string) string { return grantspec.WorkflowID(reference) }

// Search attributes of grants (CallId is shared with calls).
var (
	SAGrantID    = SAKeyword("GrantId")
	SAGrantStage = SAKeyword("GrantStage")
)

// Grant stages.
const (
	GrantAgreement = "agreement" // waiting for the signed agreement
	GrantRunning   = "running"   // project under way; final report not yet due
	GrantOverdue   = "overdue"   // final report past its due date
	GrantReview    = "review"    // report received, waiting for the officer's review
	GrantClosing   = "closing"   // final payment or recovery ordered, waiting for finance
	GrantClosed    = "closed"
)

// Grant input types live in internal/grantspec (the activity that starts
// grants needs them too).
type (
	GrantRules   = grantspec.Rules
	GrantInput   = grantspec.Input
	GrantResult  = grantspec.Result
	GrantState   = grantspec.State
	TrancheState = grantspec.TrancheState
)

// SignInput records the signed agreement.
type SignInput struct {
	On time.Time
	By string
}

// PaidInput confirms that finance executed a payment (Tranche 1-based)
// or received a recovery (Tranche 0).
type PaidInput struct {
	Tranche int
	On      time.Time
	By      string
}

// EndDateInput moves the project's end; the report timers follow.
type EndDateInput struct {
	End time.Time
	By  string
}

// ReportInput is the final report as received.
type ReportInput struct {
	Beneficiaries int
	Spent         money.Cents
	Lessons       string
	By            string
}

// ReviewInput approves the report or asks for a revision by a new date.
type ReviewInput struct {
	Approve bool
	Note    string    // required for a revision; sent to the applicant
	Due     time.Time // new due date of a revision
	By      string
}

// GrantChangeResult is the grant's status after a change.
type GrantChangeResult struct{ Status GrantStatus }

// GrantQuery has no parameters.
type GrantQuery struct{}

// GrantStatus is what `starter grant status` and the UI show.
type GrantStatus struct {
	GrantID    string
	CallID     string
	Reference  string
	Stage      string
	WaitingFor string
	Amount     money.Cents
	Ordered    money.Cents
	Paid       money.Cents
	Recovery   money.Cents
	SignedOn   time.Time
	ProjectEnd time.Time
	Due        time.Time
	Tranches   []TrancheState
	Revision   int
}

// GrantClosedSignal tells the call a grant is closed.
type GrantClosedSignal struct {
	Reference string
	Paid      money.Cents
	Recovery  money.Cents
}
