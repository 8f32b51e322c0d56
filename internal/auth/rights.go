// Package auth is who may do what in callcycle: the roles of the brief,
// the rights they grant, and the principal an authenticated request acts
// as. Front ends (the portal's API and pages, starter through the API)
// check a route's declared right here before calling the operations
// layer; the rights table is the brief's, kept in one place.
package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is one of the brief's roles; a person may hold several.
type Role string

const (
	Officer   Role = "officer"   // programme officer
	Finance   Role = "finance"   // confirms payments (with a second person)
	Manager   Role = "manager"   // watches the portfolio
	Reviewer  Role = "reviewer"  // committee reviewer, assigned per call
	Applicant Role = "applicant" // an organisation's contact
	Admin     Role = "admin"     // users, roles, settings
	System    Role = "system"    // a program acting by name (worker, demo, bench)
)

// Roles are every role a person can be given, in the brief's order.
var Roles = []Role{Officer, Finance, Manager, Reviewer, Applicant, Admin}

// ParseRole is the role named s, or an error naming the known ones.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown role %q (known: %s)", s, strings.Join(names, ", "))
}

// Right is what a route or an operation needs.
type Right string

const (
	ManageCalls       Right = "calls.manage"       // launch, extend, close, cancel, carry over
	ApplyOnBehalf     Right = "applications.apply" // an officer applies for an organisation
	ApplyOwn          Right = "applications.own"   // an applicant applies and follows its own files
	ReadApplications  Right = "applications.read"  // all applications
	ReadGranted       Right = "applications.granted"
	ReadAssigned      Right = "applications.assigned" // a reviewer: the calls assigned, after declaring
	Screen            Right = "review.screen"         // screen, export and import scores, propose
	ScoreOwnSheet     Right = "review.own-sheet"
	ProposeDecision   Right = "decision.propose"
	ApproveDecision   Right = "decision.approve" // four-eyes: another person
	ManageGrants      Right = "grants.manage"    // signatures, reports, reviews, closure
	SubmitOwnReport   Right = "grants.own-report"
	ConfirmPayment    Right = "payments.confirm" // propose and approve (four-eyes)
	ReadReports       Right = "reports.read"     // status, annual report, ODA statistics, audit export
	ManageUsers       Right = "users.manage"
	ManageOwnTokens   Right = "tokens.own" // a staff member's personal access tokens
	ReadGovernment    Right = "government.read"
	RecordGovernment  Right = "government.record"
	ManageBudget      Right = "budget.manage" // direct grants, expenses, past totals, reversals
	ExportPaymentData Right = "payments.export"
)

// grants is the brief's rights table ("Rights"), by role.
var grants = map[Role][]Right{
	Officer: {ManageCalls, ApplyOnBehalf, ReadApplications, Screen, ProposeDecision, ApproveDecision, ManageGrants,
		ReadReports, ManageOwnTokens, ReadGovernment, RecordGovernment, ManageBudget, ExportPaymentData},
	Finance:   {ReadGranted, ConfirmPayment, ReadReports, ManageOwnTokens, ReadGovernment, ExportPaymentData},
	Manager:   {ReadApplications, ReadReports, ManageOwnTokens, ReadGovernment},
	Reviewer:  {ReadAssigned, ScoreOwnSheet},
	Applicant: {ApplyOwn, SubmitOwnReport},
	Admin:     {ManageUsers, ManageOwnTokens},
}

// Rights is every right one of roles grants, sorted.
func Rights(roles ...Role) []Right {
	var out []Right
	for _, r := range roles {
		for _, g := range grants[r] {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Known says whether r is a right of the table (a route declaring an
// unknown right is a typo, refused at start-up).
func Known(r Right) bool {
	for _, rs := range grants {
		if slices.Contains(rs, r) {
			return true
		}
	}
	return false
}

// Principal is who a request acts as, once authenticated.
type Principal struct {
	UserID string `json:"user_id"` // users.user_id, or "system:<program>"
	Name   string `json:"name"`    // shown and recorded
	Roles  []Role `json:"roles"`
	// Organisation is an applicant's organisation (applicants.applicant_id), 0 for staff.
	Organisation int64 `json:"organisation,omitempty"`
}

// Can says whether p holds right through one of its roles.
func (p Principal) Can(right Right) bool { return slices.Contains(Rights(p.Roles...), right) }

// RoleFor is the role p exercises right in (the first of its roles that
// grants it), for the audit log; "" when none does.
func (p Principal) RoleFor(right Right) Role {
	for _, r := range p.Roles {
		if slices.Contains(grants[r], right) {
			return r
		}
	}
	return ""
}

// SystemPrincipal is a program acting by name (the worker, the demo, the
// bench), recorded as such.
func SystemPrincipal(program string) Principal {
	return Principal{UserID: "system:" + program, Name: "system:" + program, Roles: []Role{System}}
}

// ApproveRights is the right that approves or refuses a four-eyes
// proposal of each action that can need a second person: the right the
// action itself needs, so a second officer approves an officer's
// decision and a second finance person a payment.
var ApproveRights = map[string]Right{
	"call.decide":     ApproveDecision,
	"call.cancel":     ManageCalls,
	"call.carry-over": ManageCalls,
	"grant.sign":      ManageGrants,
	"grant.paid":      ConfirmPayment,
	"grant.end-date":  ManageGrants,
	"grant.report":    ManageGrants,
	"grant.review":    ManageGrants,
}
