// Package grantspec holds the types that start a grant workflow, shared
// by the workflows and by the activity that starts grants in batches
// (activities cannot import workflows, which import them).
package grantspec

import (
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
	Tranches  []callspec.Tranche
	Report    callspec.ReportRules
	Agreement callspec.AgreementRules
	TimeScale int
}

// Input starts a grant (State nil) or continues it.
type Input struct {
	CallID         string
	Reference      string
	Amount         money.Cents
	DurationMonths int
	Rules          Rules
	State          *State
}

// Result is the closed grant's account.
type Result struct {
	Paid     money.Cents
	Recovery money.Cents
}

// TrancheState is one scheduled payment.
type TrancheState struct {
	Percent int
	On      string
	Amount  money.Cents // scheduled amount
	Ordered money.Cents // ordered amount (the final one may differ)
	PaidOn  time.Time
}

// State is a grant's small state; amounts in cents, texts in PostgreSQL.
type State struct {
	Stage          string
	AgreementSent  time.Time
	Reminders      int
	Alerted        bool
	SignedOn       time.Time
	ProjectEnd     time.Time
	Due            time.Time
	RemindersDone  []int // reminder offsets (days) already sent for Due
	Escalations    int
	Tranches       []TrancheState
	Recovery       money.Cents
	RecoveryPaidOn time.Time
	Revision       int
	Spent          money.Cents
	Beneficiaries  int
	Updates        int
}
