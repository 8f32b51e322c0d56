package apiclient

import (
	"context"
	"net/url"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// The operations, each on its route (internal/portal/routes.go). The
// Actor is the token's person: the argument is ignored.

type actor = operations.Actor

func (c *Client) Launch(ctx context.Context, _ actor, in operations.LaunchInput) (operations.LaunchResult, error) {
	var out operations.LaunchResult
	resp, err := c.doRaw(ctx, "POST", "/api/v1/calls", in.Call)
	if err != nil {
		return out, err
	}
	return out, decode(resp, &out)
}

func (c *Client) Apply(ctx context.Context, _ actor, in operations.ApplyInput) (operations.ApplyResult, error) {
	return call[operations.ApplyResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/applications"), in)
}

func (c *Client) Import(ctx context.Context, _ actor, in operations.ImportInput) (operations.ImportResult, error) {
	return call[operations.ImportResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/applications/import"), in)
}

func (c *Client) Close(ctx context.Context, _ actor, in operations.CloseInput) (operations.CloseResult, error) {
	return call[operations.CloseResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/close"), in)
}

func (c *Client) Extend(ctx context.Context, _ actor, in operations.ExtendInput) (operations.ExtendResult, error) {
	return call[operations.ExtendResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/extend"), in)
}

func (c *Client) Status(ctx context.Context, _ actor, in operations.StatusInput) (operations.CallStatus, error) {
	return call[operations.CallStatus](ctx, c, "GET", p("/api/v1/calls/", in.CallID), nil)
}

func (c *Client) Screen(ctx context.Context, _ actor, in operations.ScreenInput) (operations.ScreenResult, error) {
	return call[operations.ScreenResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/screen"), in)
}

func (c *Client) ScreenImport(ctx context.Context, _ actor, in operations.ScreenImportInput) (operations.ImportResult, error) {
	return call[operations.ImportResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/screen/import"), in)
}

func (c *Client) EndScreening(ctx context.Context, _ actor, in operations.EndScreeningInput) (operations.EndScreeningResult, error) {
	return call[operations.EndScreeningResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/screen/end"), in)
}

func (c *Client) ReviewExport(ctx context.Context, _ actor, in operations.ReviewExportInput) (operations.ReviewExportResult, error) {
	return download[operations.ReviewExportResult](ctx, c, "GET", p("/api/v1/calls/", in.CallID, "/review/scoring.xlsx"), nil, in.Out)
}

func (c *Client) ReviewImport(ctx context.Context, _ actor, in operations.ReviewImportInput) (operations.ReviewImportResult, error) {
	return call[operations.ReviewImportResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/review/import"), in)
}

func (c *Client) ReviewProposal(ctx context.Context, _ actor, in operations.ReviewProposalInput) (operations.ReviewProposalResult, error) {
	return download[operations.ReviewProposalResult](ctx, c, "GET", p("/api/v1/calls/", in.CallID, "/review/proposal.xlsx"), nil, in.Out)
}

func (c *Client) Decide(ctx context.Context, _ actor, in operations.DecideInput) (operations.DecideResult, error) {
	return call[operations.DecideResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/decide"), in)
}

func (c *Client) CarryOver(ctx context.Context, _ actor, in operations.CarryOverInput) (operations.CarryOverResult, error) {
	return call[operations.CarryOverResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/carry-over"), in)
}

func (c *Client) Cancel(ctx context.Context, _ actor, in operations.CancelInput) (operations.CancelResult, error) {
	return call[operations.CancelResult](ctx, c, "POST", p("/api/v1/calls/", in.CallID, "/cancel"), in)
}

func (c *Client) PaymentsExport(ctx context.Context, _ actor, in operations.PaymentsExportInput) (operations.PaymentsExportResult, error) {
	return download[operations.PaymentsExportResult](ctx, c, "GET", p("/api/v1/calls/", in.CallID, "/payment-orders.xlsx"), nil, in.Out)
}

// approvalPath is the route of an action's approval: "grant.paid" on
// GRANT-… is /api/v1/grants/GRANT-…/paid/approve.
func approvalPath(in operations.ApprovalInput, verb string) string {
	kind, action := "calls", in.Action
	if len(action) > 6 && action[:6] == "grant." {
		kind, action = "grants", action[6:]
	} else if len(action) > 5 && action[:5] == "call." {
		action = action[5:]
	}
	return "/api/v1/" + kind + "/" + url.PathEscape(in.Target) + "/" + url.PathEscape(action) + "/" + verb
}

func (c *Client) Approve(ctx context.Context, _ actor, in operations.ApprovalInput) (operations.ApprovalResult, error) {
	return call[operations.ApprovalResult](ctx, c, "POST", approvalPath(in, "approve"), in)
}

func (c *Client) Refuse(ctx context.Context, _ actor, in operations.ApprovalInput) (operations.ApprovalResult, error) {
	return call[operations.ApprovalResult](ctx, c, "POST", approvalPath(in, "refuse"), in)
}

func (c *Client) GrantSign(ctx context.Context, _ actor, in operations.GrantSignInput) (operations.GrantChangeResult, error) {
	return call[operations.GrantChangeResult](ctx, c, "POST", p("/api/v1/grants/", in.GrantID, "/sign"), in)
}

func (c *Client) GrantPaid(ctx context.Context, _ actor, in operations.GrantPaidInput) (operations.GrantChangeResult, error) {
	return call[operations.GrantChangeResult](ctx, c, "POST", p("/api/v1/grants/", in.GrantID, "/paid"), in)
}

func (c *Client) GrantEndDate(ctx context.Context, _ actor, in operations.GrantEndDateInput) (operations.GrantChangeResult, error) {
	return call[operations.GrantChangeResult](ctx, c, "POST", p("/api/v1/grants/", in.GrantID, "/end-date"), in)
}

func (c *Client) GrantReport(ctx context.Context, _ actor, in operations.GrantReportInput) (operations.GrantChangeResult, error) {
	return call[operations.GrantChangeResult](ctx, c, "POST", p("/api/v1/grants/", in.GrantID, "/report"), in)
}

func (c *Client) GrantReview(ctx context.Context, _ actor, in operations.GrantReviewInput) (operations.GrantChangeResult, error) {
	return call[operations.GrantChangeResult](ctx, c, "POST", p("/api/v1/grants/", in.GrantID, "/review"), in)
}

func (c *Client) GrantStatus(ctx context.Context, _ actor, in operations.GrantStatusInput) (operations.GrantStatus, error) {
	return call[operations.GrantStatus](ctx, c, "GET", p("/api/v1/grants/", in.GrantID), nil)
}

func (c *Client) GovernmentCaretaker(ctx context.Context, _ actor, in operations.GovernmentCaretakerInput) (operations.GovernmentChangeResult, error) {
	return call[operations.GovernmentChangeResult](ctx, c, "POST", "/api/v1/government/caretaker", in)
}

func (c *Client) GovernmentInstalled(ctx context.Context, _ actor, in operations.GovernmentInstalledInput) (operations.GovernmentChangeResult, error) {
	return call[operations.GovernmentChangeResult](ctx, c, "POST", "/api/v1/government/installed", in)
}

func (c *Client) GovernmentStatus(ctx context.Context, _ actor, _ operations.GovernmentStatusInput) (operations.GovernmentStatusResult, error) {
	return call[operations.GovernmentStatusResult](ctx, c, "GET", "/api/v1/government", nil)
}

func (c *Client) History(ctx context.Context, _ actor, in operations.HistoryInput) (operations.HistoryResult, error) {
	path := p("/api/v1/history/", in.WorkflowID)
	if in.RunID != "" {
		path += "?run=" + url.QueryEscape(in.RunID)
	}
	return call[operations.HistoryResult](ctx, c, "GET", path, nil)
}

func (c *Client) AuditVerify(ctx context.Context, _ actor, _ operations.AuditVerifyInput) (operations.AuditVerifyResult, error) {
	return call[operations.AuditVerifyResult](ctx, c, "GET", "/api/v1/audit/verify", nil)
}

func (c *Client) AuditExport(ctx context.Context, _ actor, in operations.AuditExportInput) (operations.AuditExportResult, error) {
	return download[operations.AuditExportResult](ctx, c, "POST", "/api/v1/audit/export", in, in.Out)
}

func (c *Client) AnnualReport(ctx context.Context, _ actor, in operations.AnnualReportInput) (operations.AnnualReportResult, error) {
	return call[operations.AnnualReportResult](ctx, c, "POST", "/api/v1/reports/annual", in)
}

func (c *Client) Zones(ctx context.Context, _ actor, _ operations.ZonesInput) (operations.ZonesResult, error) {
	return call[operations.ZonesResult](ctx, c, "GET", "/api/v1/budget/zones", nil)
}

func (c *Client) DirectGrant(ctx context.Context, _ actor, in operations.DirectGrantInput) (operations.BudgetEntryResult, error) {
	return call[operations.BudgetEntryResult](ctx, c, "POST", "/api/v1/budget/direct-grants", in)
}

func (c *Client) ReverseDirectGrant(ctx context.Context, _ actor, in operations.ReverseDirectGrantInput) (operations.BudgetEntryResult, error) {
	return call[operations.BudgetEntryResult](ctx, c, "POST", "/api/v1/budget/direct-grants/reverse", in)
}

func (c *Client) Expense(ctx context.Context, _ actor, in operations.ExpenseInput) (operations.BudgetEntryResult, error) {
	return call[operations.BudgetEntryResult](ctx, c, "POST", "/api/v1/budget/expenses", in)
}

func (c *Client) ReverseExpense(ctx context.Context, _ actor, in operations.ReverseExpenseInput) (operations.BudgetEntryResult, error) {
	return call[operations.BudgetEntryResult](ctx, c, "POST", "/api/v1/budget/expenses/reverse", in)
}

func (c *Client) BudgetHistory(ctx context.Context, _ actor, in operations.BudgetHistoryInput) (operations.BudgetEntryResult, error) {
	return call[operations.BudgetEntryResult](ctx, c, "POST", "/api/v1/budget/history", in)
}

func (c *Client) ReverseBudgetHistory(ctx context.Context, _ actor, in operations.ReverseBudgetHistoryInput) (operations.BudgetEntryResult, error) {
	return call[operations.BudgetEntryResult](ctx, c, "POST", "/api/v1/budget/history/reverse", in)
}

// Me is who the token signs in as.
func (c *Client) Me(ctx context.Context) (auth.Principal, error) {
	return call[auth.Principal](ctx, c, "GET", "/api/v1/me", nil)
}
