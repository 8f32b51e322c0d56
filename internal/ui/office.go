package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// office: the officers' dashboard: every call (stage, on whom it waits,
// counts, deadline) and the grants, late reports first.
func (p *Pages) office(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.staff(w, q, auth.ReadApplications) {
		return
	}
	calls, err := p.cfg.Service.Calls(r.Context(), q.actor(auth.ReadApplications), operations.CallsInput{})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	grants, err := p.cfg.Service.Grants(r.Context(), q.actor(auth.ReadApplications), operations.GrantsInput{})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	late := 0
	for _, g := range grants.Grants {
		if g.Late {
			late++
		}
	}
	p.render(w, q, http.StatusOK, "office", q.loc.T("office.title"), struct {
		Calls  []operations.CallRow
		Grants []operations.GrantRow
		Late   int
	}{calls.Calls, grants.Grants, late})
}
