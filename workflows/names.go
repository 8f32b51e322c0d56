// Package workflows orchestrates calls for projects. Workflows here are
// pure: no I/O, no wall clock, no goroutines, no map ranging. Everything
// they touch outside goes through package activities.
package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the one queue callcycle's worker polls.
const TaskQueue = "callcycle"

// Workflow, update and query names. Clients use these constants, never
// string literals, so a rename is a compile error.
const (
	CallWorkflowName = "Call"

	UpdateSubmit = "submit-applications"
	UpdateClose  = "close-submissions"
	UpdateExtend = "extend-deadline"

	UpdateScreen       = "screen-applications"
	UpdateEndScreening = "end-screening"
	UpdateImportScores = "import-scores"

	UpdateDecide    = "decide"
	UpdateCarryOver = "carry-over"
	UpdateCancel    = "cancel"

	// Four-eyes (call and grant workflows): propose an approvable
	// update, approve it as another person, or refuse it.
	UpdatePropose = "propose"
	UpdateApprove = "approve"
	UpdateRefuse  = "refuse"

	QueryStatus = "status"
)

// CallWorkflowID is the workflow id of a call: one workflow per call id,
// which is also what refuses a second launch.
func CallWorkflowID(callID string) string { return "call-" + callID }

// Reference is an application's reference, e.g. AP-SUD-2024-0007.
func Reference(callID string, seq int) string { return fmt.Sprintf("%s-%04d", callID, seq) }

// Search attributes, registered on the server (see internal/launcher/devserver.go and deploy/temporal/setup-namespace.sh).
var (
	SACallID     = temporal.NewSearchAttributeKeyKeyword("CallId")
	SACallKind   = temporal.NewSearchAttributeKeyKeyword("CallKind")
	SACallYear   = temporal.NewSearchAttributeKeyInt64("CallYear")
	SACallStage  = temporal.NewSearchAttributeKeyKeyword("CallStage")
	SACallPaused = temporal.NewSearchAttributeKeyBool("CallPaused")
)

// SAKeyword names a keyword search attribute.
func SAKeyword(name string) temporal.SearchAttributeKeyKeyword {
	return temporal.NewSearchAttributeKeyKeyword(name)
}

// SearchAttributeTypes lists every custom attribute and its server type,
// for `temporal server start-dev --search-attribute` and test servers.
var SearchAttributeTypes = []struct{ Name, Type string }{
	{"CallId", "Keyword"}, {"CallKind", "Keyword"}, {"CallYear", "Int"}, {"CallStage", "Keyword"},
	{"CallPaused", "Bool"}, {"GrantId", "Keyword"}, {"GrantStage", "Keyword"},
}

// Stages of a call, as shown in CallStage and `starter status`.
const (
	StageOpen       = "open"        // taking applications until the deadline
	StageScreening  = "screening"   // window closed; eligibility verdicts
	StageReview     = "review"      // committee scoring
	StageProposed   = "proposed"    // selection proposal ready for the government
	StageNoEligible = "no-eligible" // ended: nothing to review
	StageLapsed     = "lapsed"      // budget year closed before a decision
	StageDecided    = "decided"     // government decided; grants follow
	StageCancelled  = "cancelled"   // ended by the officer
	StageCompleted  = "completed"   // every grant closed
)

// Error types the validators return, so clients can tell them apart.
const (
	ErrTypeRejected   = "Rejected"   // the input breaks a rule; details say which
	ErrTypeWrongStage = "WrongStage" // the call is not at the step this needs
	// ErrTypeGovernmentPending: the call just reached the approval step and
	// awaits the government's answer to its subscription (seconds).
	ErrTypeGovernmentPending = "GovernmentPending"
	// ErrTypeHandover: the call is continuing as new; retry in a moment.
	ErrTypeHandover = "Handover"
	// ErrTypeAlreadyDone: what was asked to end has already ended (close
	// an closed window, end an ended screening). Refused like any other
	// validator answer, so nothing enters history, but not a mistake:
	// front ends report it and succeed.
	ErrTypeAlreadyDone = "AlreadyDone"
)

// GetVersion change ids (docs/versioning.md: patch, then retire once no
// open run can reach the old branch).
const (
	// VersionGrantLocal (2026-12-02, issue 13): a grant's short
	// PostgreSQL writes run as local activities and its mails are first
	// delivered at once by a local activity, the durable DeliverMail
	// activity taking only what that leaves.
	VersionGrantLocal = "grant-local"
	// VersionCallLean (2026-12-02, issue 13): a call upserts its search
	// attributes only when one of them changes, and no longer delivers
	// its outbox after every grant closure.
	VersionCallLean = "call-lean"
	// VersionGrantsAfterDecision (2026-12-02, issue 14): a call starts its
	// grants only once the decide update has recorded the decision in
	// PostgreSQL. Before, the main loop saw the decided stage as soon as
	// the handler set it and scheduled StartGrants in the same workflow
	// task as RecordDecision, so grants could start for a decision whose
	// recording then failed.
	VersionGrantsAfterDecision = "grants-after-decision"
	// VersionCommitteeReminders (2026-12-03, issue 16): during the
	// committee review, a call with committee.deadline and
	// committee.reminder_days waits for each reminder's moment and has
	// the reviewers who have not returned their sheets mailed.
	VersionCommitteeReminders = "committee-reminders"
)
