// Package grantspec holds the types that start a grant workflow, shared
// by the workflows and by the activity that starts grants in batches
// (activities cannot import workflows, which import them).
package grantspec

import (
	"github.com/callcycle/callcycle/internal/foureyes"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
)

// WorkflowName is the grant workflow's registered name.
const WorkflowName = "Grant"

// WorkflowID is a grant's workflow id, e.g. GRANT-AP-SUD-2024-0007.
func WorkflowID(reference string) string { return "GRANT-" + reference }

// Rules are the call's rules a grant follows.
type Rules struct {
	Tranches  []callspec.Tranche      `json:"tranches"`
	Report    callspec.ReportRules    `json:"report"`
	Agreement callspec.AgreementRules `json:"agreement"`
	TimeScale int                     `json:"timeScale"`
}

// Input starts a grant (State nil) or continues it.
type Input struct {
	CallID         string      `json:"callId"`
	Reference      string      `json:"reference"`
	Amount         money.Cents `json:"amount"`
	DurationMonths int         `json:"durationMonths"`
	Rules          Rules       `json:"rules"`
	State          *State      `json:"state"`
}

// Result is the closed grant's account.
type Result struct {
	Paid     money.Cents `json:"paid"`
	Recovery money.Cents `json:"recovery"`
}

// TrancheState is one scheduled payment.
type TrancheState struct {
	Percent int         `json:"percent"`
	On      string      `json:"on"`
	Amount  money.Cents `json:"amount"`  // scheduled amount
	Ordered money.Cents `json:"ordered"` // ordered amount (the final one may differ)
	PaidOn  time.Time   `json:"paidOn"`
}

// State is a grant's small state; amounts in cents, texts in PostgreSQL.
type State struct {
	Stage          string         `json:"stage"`
	AgreementSent  time.Time      `json:"agreementSent"`
	Reminders      int            `json:"reminders"`
	Alerted        bool           `json:"alerted"`
	SignedOn       time.Time      `json:"signedOn"`
	ProjectEnd     time.Time      `json:"projectEnd"`
	Due            time.Time      `json:"due"`
	RemindersDone  []int          `json:"remindersDone"` // reminder offsets (days) already sent for Due
	Escalations    int            `json:"escalations"`
	Tranches       []TrancheState `json:"tranches"`
	Recovery       money.Cents    `json:"recovery"`
	RecoveryPaidOn time.Time      `json:"recoveryPaidOn"`
	Revision       int            `json:"revision"`
	Spent          money.Cents    `json:"spent"`
	Beneficiaries  int            `json:"beneficiaries"`
	Updates        int            `json:"updates"`
	// Approvals: proposals waiting for a second person (four-eyes).
	Approvals foureyes.State `json:"approvals"`
}
