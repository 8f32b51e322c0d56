package main

import (
	"context"

	"github.com/callcycle/callcycle/internal/apiclient"
	"github.com/callcycle/callcycle/internal/operations"
)

// ops is what the commands call: the portal's API signed in with a
// token (apiclient.Client, for people), or the operations layer itself
// (operations.Service, for the server's operator, recorded as the
// system). Both take the same Inputs and give the same Results.
type ops interface {
	Launch(context.Context, operations.Actor, operations.LaunchInput) (operations.LaunchResult, error)
	Apply(context.Context, operations.Actor, operations.ApplyInput) (operations.ApplyResult, error)
	Import(context.Context, operations.Actor, operations.ImportInput) (operations.ImportResult, error)
	Close(context.Context, operations.Actor, operations.CloseInput) (operations.CloseResult, error)
	Extend(context.Context, operations.Actor, operations.ExtendInput) (operations.ExtendResult, error)
	Status(context.Context, operations.Actor, operations.StatusInput) (operations.CallStatus, error)
	Screen(context.Context, operations.Actor, operations.ScreenInput) (operations.ScreenResult, error)
	ScreenImport(context.Context, operations.Actor, operations.ScreenImportInput) (operations.ImportResult, error)
	EndScreening(context.Context, operations.Actor, operations.EndScreeningInput) (operations.EndScreeningResult, error)
	ReviewExport(context.Context, operations.Actor, operations.ReviewExportInput) (operations.ReviewExportResult, error)
	ReviewImport(context.Context, operations.Actor, operations.ReviewImportInput) (operations.ReviewImportResult, error)
	ReviewProposal(context.Context, operations.Actor, operations.ReviewProposalInput) (operations.ReviewProposalResult, error)
	Decide(context.Context, operations.Actor, operations.DecideInput) (operations.DecideResult, error)
	CarryOver(context.Context, operations.Actor, operations.CarryOverInput) (operations.CarryOverResult, error)
	Cancel(context.Context, operations.Actor, operations.CancelInput) (operations.CancelResult, error)
	Approve(context.Context, operations.Actor, operations.ApprovalInput) (operations.ApprovalResult, error)
	Refuse(context.Context, operations.Actor, operations.ApprovalInput) (operations.ApprovalResult, error)
	PaymentsExport(context.Context, operations.Actor, operations.PaymentsExportInput) (operations.PaymentsExportResult, error)
	GrantSign(context.Context, operations.Actor, operations.GrantSignInput) (operations.GrantChangeResult, error)
	GrantPaid(context.Context, operations.Actor, operations.GrantPaidInput) (operations.GrantChangeResult, error)
	GrantEndDate(context.Context, operations.Actor, operations.GrantEndDateInput) (operations.GrantChangeResult, error)
	GrantReport(context.Context, operations.Actor, operations.GrantReportInput) (operations.GrantChangeResult, error)
	GrantReview(context.Context, operations.Actor, operations.GrantReviewInput) (operations.GrantChangeResult, error)
	GrantStatus(context.Context, operations.Actor, operations.GrantStatusInput) (operations.GrantStatus, error)
	GovernmentCaretaker(context.Context, operations.Actor, operations.GovernmentCaretakerInput) (operations.GovernmentChangeResult, error)
	GovernmentInstalled(context.Context, operations.Actor, operations.GovernmentInstalledInput) (operations.GovernmentChangeResult, error)
	GovernmentStatus(context.Context, operations.Actor, operations.GovernmentStatusInput) (operations.GovernmentStatusResult, error)
	History(context.Context, operations.Actor, operations.HistoryInput) (operations.HistoryResult, error)
	AuditVerify(context.Context, operations.Actor, operations.AuditVerifyInput) (operations.AuditVerifyResult, error)
	AuditExport(context.Context, operations.Actor, operations.AuditExportInput) (operations.AuditExportResult, error)
	AnnualReport(context.Context, operations.Actor, operations.AnnualReportInput) (operations.AnnualReportResult, error)
	Zones(context.Context, operations.Actor, operations.ZonesInput) (operations.ZonesResult, error)
	DirectGrant(context.Context, operations.Actor, operations.DirectGrantInput) (operations.BudgetEntryResult, error)
	ReverseDirectGrant(context.Context, operations.Actor, operations.ReverseDirectGrantInput) (operations.BudgetEntryResult, error)
	Expense(context.Context, operations.Actor, operations.ExpenseInput) (operations.BudgetEntryResult, error)
	ReverseExpense(context.Context, operations.Actor, operations.ReverseExpenseInput) (operations.BudgetEntryResult, error)
	BudgetHistory(context.Context, operations.Actor, operations.BudgetHistoryInput) (operations.BudgetEntryResult, error)
	ReverseBudgetHistory(context.Context, operations.Actor, operations.ReverseBudgetHistoryInput) (operations.BudgetEntryResult, error)
}

var (
	_ ops = (*apiclient.Client)(nil)
	_ ops = (*operations.Service)(nil)
)
