package ui

import (
	"net/http"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// rankingData is the ranking page.
type rankingData struct {
	Call    operations.ReviewCall
	Ranking operations.ReviewRankingResult
}

// reviewRanking: the committee's ranking, once every reviewer returned
// (until then, how many have), without the reader's conflicts.
func (p *Pages) reviewRanking(w http.ResponseWriter, r *http.Request) {
	q := p.request(r)
	c, ok := p.reviewCall(w, q, true)
	if !ok {
		return
	}
	res, err := p.cfg.Service.ReviewRanking(r.Context(), q.actor(auth.ScoreOwnSheet), operations.ReviewRankingInput{CallID: c.CallID})
	if err != nil {
		p.reviewFail(w, q, err)
		return
	}
	p.render(w, q, http.StatusOK, "review_ranking", q.loc.T("review.ranking_title", "Call", c.Title), rankingData{Call: c, Ranking: res})
}
