package ui

import "net/http"

// LinkView is a page of the sign-in by e-mail link (the portal's
// /auth/link routes): what to say (a message id), and which form.
type LinkView struct {
	Say   string // link.ask, link.press, link.sent, link.invalid…
	Token string // the mailed link's: the "Sign in" button's form
	CSRF  string // the form's token (the portal's form cookie)
	Ask   bool   // the form to ask for a link
	Again bool   // it failed: a way to ask for a new link
}

// Link shows a sign-in-by-link page in the reader's language.
func (p *Pages) Link(w http.ResponseWriter, r *http.Request, status int, v LinkView) {
	q := p.request(r)
	title := q.loc.T("link.title")
	if v.Again {
		title = q.loc.T("link.title_failed")
	}
	// The token is in the page's address: no page it links to hears of it.
	p.renderWith(w, q, status, "link", title, v, func(h http.Header) { h.Set("Referrer-Policy", "no-referrer") })
}
