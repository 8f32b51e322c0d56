package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// reviews: the calls the reviewer is assigned to, and what each waits
// on from it.
func (p *Pages) reviews(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	if !p.reviewer(w, q) {
		return
	}
	res, err := p.cfg.Service.Reviews(r.Context(), q.actor(auth.ScoreOwnSheet), operations.ReviewsInput{})
	if err != nil {
		p.fail(w, q, err)
		return
	}
	p.render(w, q, http.StatusOK, "reviews", q.loc.T("review.list_title"), res.Calls)
}
