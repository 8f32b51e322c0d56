package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
)

// home: the ways to sign in; an applicant goes on to its files.
func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if q.in && q.who.Can(auth.ApplyOwn) && !q.who.Can(auth.ReadApplications) {
		http.Redirect(w, r, "/files", http.StatusSeeOther)
		return
	}
	p.render(w, q, http.StatusOK, "home", q.loc.T("home.title"), nil)
}
