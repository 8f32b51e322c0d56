package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
)

// home: the ways to sign in; a signed-in person goes on to the page of
// their work.
func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if q.in {
		if to := mainPage(q.who); to != "" {
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
	}
	p.render(w, q, http.StatusOK, "home", q.loc.T("home.title"), nil)
}

// mainPage is where a person's work is: the officer's dashboard,
// finance's payments, the manager's portfolio, the reviewer's calls, the
// applicant's files ("" for none: the home page).
func mainPage(who auth.Principal) string {
	switch {
	case who.Can(auth.Screen):
		return "/office"
	case who.Can(auth.ConfirmPayment):
		return "/payments"
	case who.Can(auth.ReadReports):
		return "/portfolio"
	case who.Can(auth.ScoreOwnSheet):
		return "/reviews"
	case who.Can(auth.ApplyOwn):
		return "/files"
	}
	return ""
}
