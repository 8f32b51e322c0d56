package activities

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
)

// RecordReportInput is a final report as received.
type RecordReportInput struct {
	GrantID       string      `json:"grantId"`
	Revision      int         `json:"revision"`
	Beneficiaries int         `json:"beneficiaries"`
	Spent         money.Cents `json:"spent"`
	Lessons       string      `json:"lessons"`
	By            string      `json:"by"`
	At            time.Time   `json:"at"`
}

// RecordReportResult is empty.
type RecordReportResult struct{}

// RecordReport stores the report (once per revision).
func (a *Activities) RecordReport(ctx context.Context, in RecordReportInput) (RecordReportResult, error) {
	return RecordReportResult{}, pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO reports (grant_id, revision, received_on, beneficiaries, spent_cents, lessons, received_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			in.GrantID, in.Revision, in.At, in.Beneficiaries, int64(in.Spent), in.Lessons, in.By); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE grants SET status = 'review', spent_cents = $2 WHERE grant_id = $1`, in.GrantID, int64(in.Spent))
		return err
	})
}

// ReviewReportInput is the officer's review of a report.
type ReviewReportInput struct {
	GrantID  string    `json:"grantId"`
	Revision int       `json:"revision"`
	Approve  bool      `json:"approve"`
	Note     string    `json:"note"`
	NewDue   time.Time `json:"newDue"`
	By       string    `json:"by"`
}

// ReviewReportResult is empty.
type ReviewReportResult struct{}

// ReviewReport records the review; a revision is mailed with its note and
// the new due date.
func (a *Activities) ReviewReport(ctx context.Context, in ReviewReportInput) (ReviewReportResult, error) {
	return ReviewReportResult{}, pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		review := "approved"
		if !in.Approve {
			review = "revise"
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET review = $3, review_note = NULLIF($4, ''), reviewed_by = $5
			WHERE grant_id = $1 AND revision = $2`, in.GrantID, in.Revision, review, in.Note, in.By); err != nil {
			return err
		}
		if in.Approve {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE grants SET status = 'running', report_due = $2 WHERE grant_id = $1`, in.GrantID, in.NewDue); err != nil {
			return err
		}
		return grantMail(ctx, tx, in.GrantID, itoa(in.Revision), false, &mailtemplates.ReportRevision{
			Note: in.Note, DueDate: dateFR(in.NewDue)})
	})
}

// CloseGrantInput is the grant's final account.
type CloseGrantInput struct {
	GrantID  string      `json:"grantId"`
	Granted  money.Cents `json:"granted"`
	Paid     money.Cents `json:"paid"`
	Spent    money.Cents `json:"spent"`
	Final    money.Cents `json:"final"`
	Recovery money.Cents `json:"recovery"`
	At       time.Time   `json:"at"`
}

// CloseGrantResult is empty.
type CloseGrantResult struct{}

// CloseGrant records the closure and sends the closing mail, once. The
// numbers stay in PostgreSQL for the annual report.
func (a *Activities) CloseGrant(ctx context.Context, in CloseGrantInput) (CloseGrantResult, error) {
	return CloseGrantResult{}, pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE grants SET status = 'closed', final_cents = $2, recovery_cents = $3, closed_at = $4, spent_cents = $5
			WHERE grant_id = $1`, in.GrantID, int64(in.Final), int64(in.Recovery), in.At, int64(in.Spent)); err != nil {
			return err
		}
		return grantMail(ctx, tx, in.GrantID, "", false, &mailtemplates.Closure{
			Granted: in.Granted.String(), Paid: in.Paid.String(), Spent: in.Spent.String(),
			Final: in.Final.String(), Recovery: in.Recovery.String(), HasRecovery: in.Recovery > 0})
	})
}
