package ui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// declarationData is the declaration form: the call's files by who asks
// and for what, what was ticked, and what is wrong.
type declarationData struct {
	Form      operations.ReviewDeclarationResult
	Conflicts map[string]bool
	Problems  []string
}

func (p *Pages) declaration(w http.ResponseWriter, q *request) (operations.ReviewDeclarationResult, bool) {
	c, ok := p.reviewCall(w, q, false)
	if !ok {
		return operations.ReviewDeclarationResult{}, false
	}
	if c.Declared {
		http.Redirect(w, q.Request, "/reviews/"+url.PathEscape(c.CallID), http.StatusSeeOther)
		return operations.ReviewDeclarationResult{}, false
	}
	form, err := p.cfg.Service.ReviewDeclaration(q.Context(), q.actor(auth.ReadAssigned), operations.ReviewDeclarationInput{CallID: c.CallID})
	if err != nil {
		p.fail(w, q, err)
		return form, false
	}
	return form, true
}

// reviewDeclarationForm: the conflict-of-interest and confidentiality
// declaration, before any of the call's files opens.
func (p *Pages) reviewDeclarationForm(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	form, ok := p.declaration(w, q)
	if !ok {
		return
	}
	p.render(w, q, http.StatusOK, "review_declaration", q.loc.T("review.declaration_title", "Call", form.Title), declarationData{Form: form})
}

// reviewDeclare records it (operations.Declare: once, audited), in the
// page's language, which the committee's reminders then use.
func (p *Pages) reviewDeclare(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !q.csrfOK() {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.csrf"))
		return
	}
	form, ok := p.declaration(w, q)
	if !ok {
		return
	}
	d := declarationData{Form: form, Conflicts: map[string]bool{}}
	var conflicts []string
	for _, ref := range r.PostForm["conflict"] {
		d.Conflicts[ref] = true
		conflicts = append(conflicts, ref)
	}
	if r.PostFormValue("confidential") != "yes" {
		d.Problems = append(d.Problems, q.loc.T("review.confidential_required"))
		p.render(w, q, http.StatusUnprocessableEntity, "review_declaration", q.loc.T("review.declaration_title", "Call", form.Title), d)
		return
	}
	_, err := p.cfg.Service.Declare(r.Context(), q.actor(auth.ReadAssigned), operations.DeclareInput{CallID: form.CallID, Conflicts: conflicts, Language: q.loc.Lang})
	var refused *operations.Error
	if errors.As(err, &refused) && refused.Kind == operations.Refused {
		d.Problems = append(d.Problems, refused.Message)
		p.render(w, q, http.StatusUnprocessableEntity, "review_declaration", q.loc.T("review.declaration_title", "Call", form.Title), d)
		return
	}
	if err != nil && operations.KindOf(err) != operations.AlreadyDone {
		p.fail(w, q, err)
		return
	}
	http.Redirect(w, r, "/reviews/"+url.PathEscape(form.CallID)+"?declared=1", http.StatusSeeOther)
}
