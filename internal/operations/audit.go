package operations

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/callcycle/callcycle/internal/audit"
)

// audited records an action in the audit log once it returned: who, as
// what, the action, its target, a digest of the input and the result (ok,
// or the kind of refusal with the fields it named, never their values).
// Every method that changes something or hands out data (exports) defers
// it first. An action that succeeded but could not be recorded returns
// an Unavailable error saying so: public money is not moved unrecorded
// without someone hearing of it.
func (s *Service) audited(ctx context.Context, by Actor, action string, in any, err *error, target func() string) {
	s.auditedChange(ctx, by, action, in, err, nil, target)
}

// auditedChange is audited for an action that may have been proposed
// rather than done (four-eyes): then it is recorded as "<action>.propose".
func (s *Service) auditedChange(ctx context.Context, by Actor, action string, in any, err *error, pending **Approval, target func() string) {
	if pending != nil && *pending != nil {
		action += ".propose"
	}
	e := audit.Entry{Actor: by.Name, Role: by.role(), Action: action, Target: target(), InputDigest: audit.Digest(in), Result: "ok"}
	if *err != nil {
		e.Result = string(KindOf(*err))
		if e.Result == "" {
			e.Result = "error"
		}
		e.Detail = problemFields(*err)
	}
	if s.DB == nil {
		return
	}
	if _, aerr := audit.Append(context.WithoutCancel(ctx), s.DB, e); aerr != nil && *err == nil {
		*err = &Error{Kind: Unavailable, Err: aerr,
			Message: fmt.Sprintf("%s %s was done, but could not be recorded in the audit log: %v", action, e.Target, aerr)}
	}
}

// problemFields are the fields a refusal named, sorted, without reasons
// (a reason may quote what a person typed).
func problemFields(err error) string {
	e, ok := err.(*Error)
	if !ok {
		return ""
	}
	var fields []string
	for _, p := range e.Problems {
		if p.Field != "" && !slices.Contains(fields, p.Field) {
			fields = append(fields, p.Field)
		}
	}
	slices.Sort(fields)
	return strings.Join(fields, ",")
}

func (a Actor) role() string {
	if a.Role == "" {
		return RoleOfficer
	}
	return a.Role
}

// RoleOfficer is the role recorded for an actor that names none (the
// officer's `starter` shell, before sign-in exists).
const RoleOfficer = "officer"
