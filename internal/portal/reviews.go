package portal

import (
	"io"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// reviewRoutes are a committee reviewer's own: its calls, its sheet to
// read, download, upload or fill file by file, and the ranking once the
// committee has returned. The right lets reviewers in; the operations
// then let each one reach only the calls it is assigned to, once
// declared, and only its own scores (an officer, who scores through the
// merged workbook, has no sheet here). The officer follows the
// committee (who has returned) beside them.
func reviewRoutes(svc *operations.Service) []Route {
	call := func(r *Request) string { return r.PathValue("call") }
	return []Route{
		get("/api/v1/my/reviews", auth.ScoreOwnSheet, "review.list", nil, svcOp(svc.Reviews)),
		get("/api/v1/calls/{call}/my/sheet", auth.ScoreOwnSheet, "review.sheet", func(in *operations.ReviewSheetInput, r *Request) { in.CallID = call(r) }, svcOp(svc.ReviewSheet)),
		download("GET", "/api/v1/calls/{call}/my/sheet.xlsx", auth.ScoreOwnSheet, "review.sheet-download", "-sheet.xlsx",
			func(in *operations.ReviewSheetDownloadInput, r *Request, out io.Writer) {
				in.CallID, in.Out = call(r), out
			}, svcOp(svc.ReviewSheetDownload)),
		big(post("/api/v1/calls/{call}/my/sheet", auth.ScoreOwnSheet, "review.sheet-upload", func(in *operations.ReviewSheetUploadInput, r *Request) { in.CallID = call(r) }, svcOp(svc.ReviewSheetUpload))),
		post("/api/v1/calls/{call}/my/scores", auth.ScoreOwnSheet, "review.score", func(in *operations.ReviewScoreInput, r *Request) { in.CallID = call(r) }, svcOp(svc.ReviewScore)),
		get("/api/v1/calls/{call}/my/ranking", auth.ScoreOwnSheet, "review.ranking", func(in *operations.ReviewRankingInput, r *Request) { in.CallID = call(r) }, svcOp(svc.ReviewRanking)),
		// The officer's view: who of the committee has returned.
		get("/api/v1/calls/{call}/committee", auth.Screen, "review.committee", func(in *operations.CommitteeInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Committee)),
	}
}
