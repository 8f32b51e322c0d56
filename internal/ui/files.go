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
	// What each file waits on, from its details: an applicant has a
	// handful of files, not thousands.
	type row struct {
		operations.ApplicationSummary
		Waiting string
	}
	rows := make([]row, 0, len(res.Applications))
	for _, a := range res.Applications {
		f, err := p.cfg.Service.Application(r.Context(), q.actor(auth.ApplyOwn), operations.ApplicationInput{
			Reference: a.Reference, Only: operations.ApplicationFilter{Organisation: orgOf(q.who)}})
		if err != nil {
			p.fail(w, q, err)
			return
		}
		rows = append(rows, row{a, waitingText(q.loc, f)})
	}
	p.render(w, q, http.StatusOK, "files", q.loc.T("files.title"), rows)
}

// file: one of its applications (another's reads as none at all),
// with where it stands, its grant and files, and the final report's
// form when the grant awaits it.
func (p *Pages) file(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if _, ok := p.applicant(w, q); !ok {
		return
	}
	p.showFile(w, q, http.StatusOK, newForm(), newForm())
}

func newForm() reportForm {
	return reportForm{Form: map[string]string{}, Problems: map[string][]string{}}
}

// showFile renders the file page with the final report's form and the
// form that adds missing files as given.
func (p *Pages) showFile(w http.ResponseWriter, q *request, status int, form, attach reportForm) {
	f, err := p.cfg.Service.Application(q.Context(), q.actor(auth.ApplyOwn), operations.ApplicationInput{
		Reference: q.PathValue("reference"), Only: operations.ApplicationFilter{Organisation: orgOf(q.who)}})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	form.LimitMiB = p.cfg.Service.AttachmentLimit() >> 20
	attach.LimitMiB = form.LimitMiB
	v := fileView(q.loc, f)
	v.Received, v.Reported, v.Report, v.Attach = q.URL.Query().Get("received") == "1", q.URL.Query().Get("reported") == "1", form, attach
	v.Attached = q.URL.Query().Get("attached") == "1"
	p.render(w, q, status, "file", f.Reference+" · "+f.Title, v)
}

// orgOf is the organisation a person's files are filtered by; -1 (none)
// for a person of no organisation.
func orgOf(p auth.Principal) int64 {
	if p.Organisation == 0 {
		return -1
	}
	return p.Organisation
}
