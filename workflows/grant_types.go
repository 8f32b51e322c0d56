package workflows

import (
	"github.com/callcycle/callcycle/internal/foureyes"
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
	On time.Time `json:"on"`
	By string    `json:"by"`
}

// PaidInput confirms that finance executed a payment (Tranche 1-based)
// or received a recovery (Tranche 0).
type PaidInput struct {
	Tranche int       `json:"tranche"`
	On      time.Time `json:"on"`
	By      string    `json:"by"`
}

// EndDateInput moves the project's end; the report timers follow.
type EndDateInput struct {
	End time.Time `json:"end"`
	By  string    `json:"by"`
}

// ReportInput is the final report as received.
type ReportInput struct {
	Beneficiaries int         `json:"beneficiaries"`
	Spent         money.Cents `json:"spent"`
	Lessons       string      `json:"lessons"`
	By            string      `json:"by"`
}

// ReviewInput approves the report or asks for a revision by a new date.
type ReviewInput struct {
	Approve bool      `json:"approve"`
	Note    string    `json:"note"` // required for a revision; sent to the applicant
	Due     time.Time `json:"due"`  // new due date of a revision
	By      string    `json:"by"`
}

// GrantChangeResult is the grant's status after a change.
type GrantChangeResult struct {
	Status GrantStatus `json:"status"`
}

// GrantQuery has no parameters.
type GrantQuery struct{}

// GrantStatus is what `starter grant status` and the UI show.
type GrantStatus struct {
	GrantID    string         `json:"grantId"`
	CallID     string         `json:"callId"`
	Reference  string         `json:"reference"`
	Stage      string         `json:"stage"`
	WaitingFor string         `json:"waitingFor"`
	Amount     money.Cents    `json:"amount"`
	Ordered    money.Cents    `json:"ordered"`
	Paid       money.Cents    `json:"paid"`
	Recovery   money.Cents    `json:"recovery"`
	SignedOn   time.Time      `json:"signedOn"`
	ProjectEnd time.Time      `json:"projectEnd"`
	Due        time.Time      `json:"due"`
	Tranches   []TrancheState `json:"tranches"`
	Revision   int            `json:"revision"`
	Approvals  foureyes.State `json:"approvals"`
}

// GrantClosedSignal tells the call a grant is closed.
type GrantClosedSignal struct {
	Reference string      `json:"reference"`
	Paid      money.Cents `json:"paid"`
	Recovery  money.Cents `json:"recovery"`
}
