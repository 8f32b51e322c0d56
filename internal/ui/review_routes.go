package ui

import (
	"net/http"
	"net/url"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// registerReviews puts a committee reviewer's pages on mux: its calls,
// the declaration that opens a call's files, its own sheet (read a file,
// score it in the page, or download and upload the workbook) and the
// ranking once the committee has returned.
func (p *Pages) registerReviews(mux *http.ServeMux) {
	mux.HandleFunc("GET /reviews", p.reviews)
	mux.HandleFunc("GET /reviews/{call}/declaration", p.reviewDeclarationForm)
	mux.HandleFunc("POST /reviews/{call}/declaration", p.reviewDeclare)
	mux.HandleFunc("GET /reviews/{call}", p.reviewSheet)
	mux.HandleFunc("POST /reviews/{call}/scores", p.reviewScore)
	mux.HandleFunc("GET /reviews/{call}/sheet.xlsx", p.reviewDownload)
	mux.HandleFunc("POST /reviews/{call}/sheet", p.reviewUpload)
	mux.HandleFunc("GET /reviews/{call}/files/{reference}", p.reviewFile)
	mux.HandleFunc("GET /reviews/{call}/ranking", p.reviewRanking)
}

// reviewer: the signed-in person scores its own sheets, or false (sent
// to sign in, or told its role does not allow it).
func (p *Pages) reviewer(w http.ResponseWriter, q *request) bool {
	if !q.in {
		http.Redirect(w, q.Request, "/?signin=1", http.StatusSeeOther)
		return false
	}
	if !q.who.Can(auth.ScoreOwnSheet) {
		p.render(w, q, http.StatusForbidden, "error", q.loc.T("error.title"), q.loc.T("error.forbidden"))
		return false
	}
	return true
}

// reviewCall is the reviewer's assignment to the page's call. A call it
// is not assigned to reads as none; before its declaration it is sent to
// declare (no file opens before).
func (p *Pages) reviewCall(w http.ResponseWriter, q *request, needDeclared bool) (operations.ReviewCall, bool) {
	if !p.reviewer(w, q) {
		return operations.ReviewCall{}, false
	}
	res, err := p.cfg.Service.Reviews(q.Context(), q.actor(auth.ScoreOwnSheet), operations.ReviewsInput{})
	if err != nil {
		p.fail(w, q, err)
		return operations.ReviewCall{}, false
	}
	for _, c := range res.Calls {
		if c.CallID != q.PathValue("call") {
			continue
		}
		if needDeclared && !c.Declared {
			http.Redirect(w, q.Request, "/reviews/"+url.PathEscape(c.CallID)+"/declaration", http.StatusSeeOther)
			return c, false
		}
		return c, true
	}
	p.fail(w, q, &operations.Error{Kind: operations.NotFound, Message: "not a call of this reviewer"})
	return operations.ReviewCall{}, false
}
