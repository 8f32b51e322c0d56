package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// files: the applicant's applications, every call's.
func (p *Pages) files(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if _, ok := p.applicant(w, q); !ok {
		return
	}
	res, err := p.cfg.Service.Applications(r.Context(), q.actor(auth.ApplyOwn), operations.ApplicationsInput{
		Only: operations.ApplicationFilter{Organisation: orgOf(q.who)}})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	p.render(w, q, http.StatusOK, "files", q.loc.T("files.title"), res.Applications)
}

// file: one of its applications (another's reads as none at all).
func (p *Pages) file(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if _, ok := p.applicant(w, q); !ok {
		return
	}
	f, err := p.cfg.Service.Application(r.Context(), q.actor(auth.ApplyOwn), operations.ApplicationInput{
		Reference: r.PathValue("reference"), Only: operations.ApplicationFilter{Organisation: orgOf(q.who)}})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	p.render(w, q, http.StatusOK, "file", f.Reference+" · "+f.Title, struct {
		File     operations.ApplicationFile
		Received bool
	}{f, r.URL.Query().Get("received") == "1"})
}

// orgOf is the organisation a person's files are filtered by; -1 (none)
// for a person of no organisation.
func orgOf(p auth.Principal) int64 {
	if p.Organisation == 0 {
		return -1
	}
	return p.Organisation
}
