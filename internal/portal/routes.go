package portal

import (
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// Routes is the API, each route with the right the brief gives it. A
// route added here without a right stops the portal at start
// (TestEveryRouteDeclaresARight, and New itself); the authorization
// matrix test must list it, or it fails.
func Routes(svc *operations.Service) []Route {
	call := func(r *Request) string { return r.PathValue("call") }
	grant := func(r *Request) string { return r.PathValue("grant") }
	return append(append(append(append(approvalRoutes(svc), applicationRoutes(svc)...), attachmentRoutes(svc)...), reviewRoutes(svc)...), []Route{
		{Method: "GET", Path: "/api/v1/me", AnyUser: true, Handle: func(r *Request) (any, error) { return r.Principal, nil }},

		{Method: "POST", Path: "/api/v1/calls", Right: auth.ManageCalls, Action: "call.launch", Handle: func(r *Request) (any, error) {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)) // the call's YAML, as `starter launch` reads it
			if err != nil {
				return nil, err
			}
			return svc.Launch(r.Context(), r.Actor, operations.LaunchInput{Call: body, Source: "request body"})
		}},
		get("/api/v1/calls/{call}", auth.ReadReports, "call.status", func(in *operations.StatusInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Status)),
		post("/api/v1/calls/{call}/close", auth.ManageCalls, "call.close", func(in *operations.CloseInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Close)),
		post("/api/v1/calls/{call}/extend", auth.ManageCalls, "call.extend", func(in *operations.ExtendInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Extend)),
		post("/api/v1/calls/{call}/cancel", auth.ManageCalls, "call.cancel", func(in *operations.CancelInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Cancel)),
		post("/api/v1/calls/{call}/carry-over", auth.ManageCalls, "call.carry-over", func(in *operations.CarryOverInput, r *Request) { in.CallID = call(r) }, svcOp(svc.CarryOver)),
		post("/api/v1/calls/{call}/screen", auth.Screen, "screen.verdict", func(in *operations.ScreenInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Screen)),
		post("/api/v1/calls/{call}/screen/end", auth.Screen, "screen.end", func(in *operations.EndScreeningInput, r *Request) { in.CallID = call(r) }, svcOp(svc.EndScreening)),
		// A decision is proposed here and approved by another officer (approvalRoutes).
		post("/api/v1/calls/{call}/decide", auth.ProposeDecision, "call.decide", func(in *operations.DecideInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Decide)),
		download("GET", "/api/v1/calls/{call}/payment-orders.xlsx", auth.ExportPaymentData, "payments.export", "-payment-orders.xlsx",
			func(in *operations.PaymentsExportInput, r *Request, out io.Writer) { in.CallID, in.Out = call(r), out }, svcOp(svc.PaymentsExport)),
		post("/api/v1/calls/{call}/applications", auth.ApplyOnBehalf, "application.apply", func(in *operations.ApplyInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Apply)),
		big(post("/api/v1/calls/{call}/applications/import", auth.ApplyOnBehalf, "application.import", func(in *operations.ImportInput, r *Request) { in.CallID = call(r) }, svcOp(svc.Import))),
		big(post("/api/v1/calls/{call}/screen/import", auth.Screen, "screen.import", func(in *operations.ScreenImportInput, r *Request) { in.CallID = call(r) }, svcOp(svc.ScreenImport))),
		download("GET", "/api/v1/calls/{call}/review/scoring.xlsx", auth.Screen, "review.export", "-scoring.xlsx",
			func(in *operations.ReviewExportInput, r *Request, out io.Writer) { in.CallID, in.Out = call(r), out }, svcOp(svc.ReviewExport)),
		big(post("/api/v1/calls/{call}/review/import", auth.Screen, "review.import", func(in *operations.ReviewImportInput, r *Request) { in.CallID = call(r) }, svcOp(svc.ReviewImport))),
		download("GET", "/api/v1/calls/{call}/review/proposal.xlsx", auth.Screen, "review.proposal", "-proposal.xlsx",
			func(in *operations.ReviewProposalInput, r *Request, out io.Writer) { in.CallID, in.Out = call(r), out }, svcOp(svc.ReviewProposal)),

		get("/api/v1/grants/{grant}", auth.ReadReports, "grant.status", func(in *operations.GrantStatusInput, r *Request) { in.GrantID = grant(r) }, svcOp(svc.GrantStatus)),
		post("/api/v1/grants/{grant}/sign", auth.ManageGrants, "grant.sign", func(in *operations.GrantSignInput, r *Request) { in.GrantID = grant(r) }, svcOp(svc.GrantSign)),
		post("/api/v1/grants/{grant}/paid", auth.ConfirmPayment, "grant.paid", func(in *operations.GrantPaidInput, r *Request) { in.GrantID = grant(r) }, svcOp(svc.GrantPaid)),
		post("/api/v1/grants/{grant}/end-date", auth.ManageGrants, "grant.end-date", func(in *operations.GrantEndDateInput, r *Request) { in.GrantID = grant(r) }, svcOp(svc.GrantEndDate)),
		post("/api/v1/grants/{grant}/report", auth.ManageGrants, "grant.report", func(in *operations.GrantReportInput, r *Request) { in.GrantID = grant(r) }, svcOp(svc.GrantReport)),
		post("/api/v1/grants/{grant}/review", auth.ManageGrants, "grant.review", func(in *operations.GrantReviewInput, r *Request) { in.GrantID = grant(r) }, svcOp(svc.GrantReview)),

		get("/api/v1/government", auth.ReadGovernment, "government.status", nil, svcOp(svc.GovernmentStatus)),
		post("/api/v1/government/caretaker", auth.RecordGovernment, "government.caretaker", nil, svcOp(svc.GovernmentCaretaker)),
		post("/api/v1/government/installed", auth.RecordGovernment, "government.installed", nil, svcOp(svc.GovernmentInstalled)),

		get("/api/v1/history/{workflow}", auth.ReadReports, "history", func(in *operations.HistoryInput, r *Request) {
			in.WorkflowID, in.RunID = r.PathValue("workflow"), r.URL.Query().Get("run")
		}, svcOp(svc.History)),
		get("/api/v1/audit/verify", auth.ReadReports, "audit.verify", nil, svcOp(svc.AuditVerify)),
		download("POST", "/api/v1/audit/export", auth.ReadReports, "audit.export", "audit.csv",
			func(in *operations.AuditExportInput, _ *Request, out io.Writer) { in.Out = out }, svcOp(svc.AuditExport)),
		post("/api/v1/reports/annual", auth.ReadReports, "report.annual", nil, svcOp(svc.AnnualReport)),

		get("/api/v1/budget/zones", auth.ReadReports, "budget.zones", nil, svcOp(svc.Zones)),
		post("/api/v1/budget/direct-grants", auth.ManageBudget, "budget.direct-grant", nil, svcOp(svc.DirectGrant)),
		post("/api/v1/budget/direct-grants/reverse", auth.ManageBudget, "budget.direct-grant.reverse", nil, svcOp(svc.ReverseDirectGrant)),
		post("/api/v1/budget/expenses", auth.ManageBudget, "budget.expense", nil, svcOp(svc.Expense)),
		post("/api/v1/budget/expenses/reverse", auth.ManageBudget, "budget.expense.reverse", nil, svcOp(svc.ReverseExpense)),
		post("/api/v1/budget/history", auth.ManageBudget, "budget.history", nil, svcOp(svc.BudgetHistory)),
		post("/api/v1/budget/history/reverse", auth.ManageBudget, "budget.history.reverse", nil, svcOp(svc.ReverseBudgetHistory)),
	}...)
}

// approvalRoutes approve or refuse, as a second person, what another
// proposed (four-eyes): one pair per action that can wait, beside the
// action's own route, needing the right to approve it.
func approvalRoutes(svc *operations.Service) []Route {
	var out []Route
	for _, a := range []struct{ action, path, key string }{
		{"call.decide", "/api/v1/calls/{call}/decide", "call"},
		{"call.cancel", "/api/v1/calls/{call}/cancel", "call"},
		{"call.carry-over", "/api/v1/calls/{call}/carry-over", "call"},
		{"grant.sign", "/api/v1/grants/{grant}/sign", "grant"},
		{"grant.paid", "/api/v1/grants/{grant}/paid", "grant"},
		{"grant.end-date", "/api/v1/grants/{grant}/end-date", "grant"},
		{"grant.report", "/api/v1/grants/{grant}/report", "grant"},
		{"grant.review", "/api/v1/grants/{grant}/review", "grant"},
	} {
		set := func(in *operations.ApprovalInput, r *Request) { in.Target, in.Action = r.PathValue(a.key), a.action }
		right := auth.ApproveRights[a.action]
		out = append(out,
			post(a.path+"/approve", right, a.action+".approve", set, svcOp(svc.Approve)),
			post(a.path+"/refuse", right, a.action+".refuse", set, svcOp(svc.Refuse)))
	}
	return out
}

// xlsxType is a workbook's media type.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// File is a download: served as it is, not as JSON, with the
// operation's Result as JSON in the ResultHeader (what `starter` prints).
type File struct {
	Name, ContentType string
	Data              []byte
	Result            any
}

// ResultHeader carries a download's Result, as base64 of its JSON.
const ResultHeader = "Callcycle-Result"

// MaxImport is the largest body an import route takes (a file of
// applications, verdicts or scores, base64 in JSON); others take 1 MiB.
const MaxImport = 64 << 20

// big is a route that takes an import's body.
func big(rt Route) Route { rt.MaxBody = MaxImport; return rt }

// download is a route whose operation writes a file (set gives it the
// writer): the file is the answer, its Result in ResultHeader. A POST
// decodes its JSON body into the Input first.
func download[I, R any](method, path string, right auth.Right, action, name string, set func(*I, *Request, io.Writer), f op[I, R]) Route {
	return Route{Method: method, Path: path, Right: right, Action: action, Handle: func(r *Request) (any, error) {
		var in I
		if method == "POST" {
			if err := r.JSON(&in); err != nil {
				return nil, err
			}
		}
		var b bytes.Buffer
		set(&in, r, &b)
		res, err := f(r.Context(), r.Actor, in)
		if err != nil {
			return nil, err
		}
		ctype := xlsxType
		if strings.HasSuffix(name, ".csv") {
			ctype = "text/csv; charset=utf-8"
		}
		return File{Name: r.PathValue("call") + name, ContentType: ctype, Data: b.Bytes(), Result: res}, nil
	}}
}

// op is an operation of the Service, typed by its Input and Result.
type op[I, R any] func(context.Context, operations.Actor, I) (R, error)

func svcOp[I, R any](f func(context.Context, operations.Actor, I) (R, error)) op[I, R] { return f }

// post is a route that decodes its JSON body into the operation's Input,
// fills in what the path names (set), and answers with its Result.
func post[I, R any](path string, right auth.Right, action string, set func(*I, *Request), f op[I, R]) Route {
	return Route{Method: "POST", Path: path, Right: right, Action: action, Handle: func(r *Request) (any, error) {
		var in I
		if err := r.JSON(&in); err != nil {
			return nil, err
		}
		if set != nil {
			set(&in, r)
		}
		return f(r.Context(), r.Actor, in)
	}}
}

// get is a route whose Input comes from the path alone.
func get[I, R any](path string, right auth.Right, action string, set func(*I, *Request), f op[I, R]) Route {
	return Route{Method: "GET", Path: path, Right: right, Action: action, Handle: func(r *Request) (any, error) {
		var in I
		if set != nil {
			set(&in, r)
		}
		return f(r.Context(), r.Actor, in)
	}}
}
