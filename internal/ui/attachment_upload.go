package ui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// attach adds the statutes or budget an application lacks (not sent
// with it, or not kept when the application went in), checked as on the
// form; another organisation's file reads as none.
func (p *Pages) attach(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if _, ok := p.applicant(w, q); !ok {
		return
	}
	limit := p.cfg.Service.AttachmentLimit()
	files, tooBig, err := readForm(w, r, limit, applyFiles...)
	if err != nil {
		p.render(w, q, http.StatusBadRequest, "error", q.loc.T("error.title"), q.loc.T("attachment.unreadable"))
		return
	}
	if !q.csrfOK() {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.csrf"))
		return
	}
	form := newForm()
	for _, f := range tooBig {
		form.Problems[f] = append(form.Problems[f], q.loc.T("attachment.too_big", "Name", q.loc.T("field."+f), "Limit", limit>>20))
	}
	if len(files) == 0 && len(tooBig) == 0 {
		form.General = append(form.General, q.loc.T("attachment.none"))
	}
	if len(form.Problems)+len(form.General) > 0 {
		p.showFile(w, q, http.StatusUnprocessableEntity, newForm(), form)
		return
	}
	ref := r.PathValue("reference")
	_, err = p.cfg.Service.Attach(r.Context(), q.actor(auth.ApplyOwn), operations.AttachInput{Reference: ref, Files: files,
		Only: operations.ApplicationFilter{Organisation: orgOf(q.who)}})
	var bad operations.FileProblems
	switch {
	case err == nil:
		http.Redirect(w, r, "/files/"+url.PathEscape(ref)+"?attached=1", http.StatusSeeOther)
	case errors.As(err, &bad):
		fileProblems(q, bad, form.Problems)
		p.showFile(w, q, http.StatusUnprocessableEntity, newForm(), form)
	default:
		p.fail(w, q, err)
	}
}
