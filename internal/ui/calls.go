package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// calls: the calls open now, with their rules; open to anyone (a call
// for projects is public).
func (p *Pages) calls(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	res, err := p.cfg.Service.OpenCalls(r.Context(), q.actor(auth.ApplyOwn), operations.OpenCallsInput{})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	p.render(w, q, http.StatusOK, "calls", q.loc.T("calls.title"), struct {
		Calls    []operations.OpenCall
		CanApply bool
	}{res.Calls, q.in && q.who.Can(auth.ApplyOwn)})
}

// openCall is the open call id, or NotFound.
func (p *Pages) openCall(q *request, id string) (operations.OpenCall, error) {
	res, err := p.cfg.Service.OpenCalls(q.Context(), q.actor(auth.ApplyOwn), operations.OpenCallsInput{})
	if err != nil {
		return operations.OpenCall{}, err
	}
	for _, c := range res.Calls {
		if c.CallID == id {
			return c, nil
		}
	}
	return operations.OpenCall{}, &operations.Error{Kind: operations.NotFound, Message: "no open call " + id}
}
