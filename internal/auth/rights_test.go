package auth

import (
	"slices"
	"testing"
)

// The brief's rights table, row by row: who may, and that nobody else
// may. A change to the table fails here first.
func TestRightsAreTheBriefs(t *testing.T) {
	want := map[Right][]Role{
		ManageCalls:      {Officer},
		ApplyOnBehalf:    {Officer},
		ApplyOwn:         {Applicant},
		ReadApplications: {Officer, Manager},
		ReadGranted:      {Finance},
		ReadAssigned:     {Reviewer},
		Screen:           {Officer},
		ScoreOwnSheet:    {Reviewer},
		ProposeDecision:  {Officer},
		ApproveDecision:  {Officer},
		ManageGrants:     {Officer},
		SubmitOwnReport:  {Applicant},
		ConfirmPayment:   {Finance},
		ReadReports:      {Officer, Finance, Manager},
		ManageUsers:      {Admin},
	}
	for right, roles := range want {
		for _, r := range Roles {
			p := Principal{Roles: []Role{r}}
			if got := p.Can(right); got != slices.Contains(roles, r) {
				t.Errorf("%s may %s: %v, the brief says %v", r, right, got, !got)
			}
		}
	}
	if (Principal{Roles: []Role{System}}).Can(ManageCalls) {
		t.Error("the system role grants a person's right")
	}
	if !Known(ConfirmPayment) || Known("payments.confirm2") {
		t.Error("Known does not tell a right of the table from a typo")
	}
}

func TestSeveralRoles(t *testing.T) {
	p := Principal{Roles: []Role{Manager, Finance}}
	if !p.Can(ConfirmPayment) || !p.Can(ReadApplications) || p.Can(ManageCalls) {
		t.Errorf("manager+finance rights: %v", Rights(p.Roles...))
	}
	if p.RoleFor(ConfirmPayment) != Finance || p.RoleFor(ReadReports) != Manager || p.RoleFor(ManageUsers) != "" {
		t.Error("RoleFor does not name the role that grants the right")
	}
	if _, err := ParseRole("Treasurer"); err == nil {
		t.Error("an unknown role parsed")
	}
	if r, err := ParseRole(" Finance "); err != nil || r != Finance {
		t.Errorf("ParseRole(Finance) = %q, %v", r, err)
	}
}

// Every action that can need a second person is approved with a right
// some role holds.
func TestApproveRightsAreHeld(t *testing.T) {
	t.Parallel()
	for action, right := range ApproveRights {
		if !Known(right) {
			t.Errorf("%s is approved with %q, which no role holds", action, right)
		}
	}
}
