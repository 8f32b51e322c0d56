package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// reviewFile: one file of the call, for a reviewer who declared and has
// no conflict with it (one it has, or of another call, reads as none).
func (p *Pages) reviewFile(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	c, ok := p.reviewCall(w, q, true)
	if !ok {
		return
	}
	f, err := p.cfg.Service.Application(r.Context(), q.actor(auth.ReadAssigned), operations.ApplicationInput{
		Reference: r.PathValue("reference"), Only: operations.ApplicationFilter{Reviewer: q.who.UserID}})
	if err == nil && (f.CallID != c.CallID || f.Eligible == nil || !*f.Eligible) {
		err = &operations.Error{Kind: operations.NotFound, Message: "not a file of this committee"}
	}
	if err != nil {
		p.fail(w, q, err)
		return
	}
	p.render(w, q, http.StatusOK, "review_file", f.Reference+" · "+f.Title, f)
}
