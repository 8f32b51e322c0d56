package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
)

// RecordGovernmentChangeInput is one change of the government's status.
type RecordGovernmentChangeInput struct {
	Version   int       `json:"version"`
	Caretaker bool      `json:"caretaker"`
	Effective time.Time `json:"effective"` // caretaker since / installed on
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// RecordGovernmentChangeResult is empty.
type RecordGovernmentChangeResult struct{}

// RecordGovernmentChange keeps the history of the status in PostgreSQL,
// keyed by version so a retry writes it once.
func (a *Activities) RecordGovernmentChange(ctx context.Context, in RecordGovernmentChangeInput) (RecordGovernmentChangeResult, error) {
	_, err := a.DB.Exec(ctx, `INSERT INTO government_changes (version, caretaker, effective, changed_by, changed_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING`,
		in.Version, in.Caretaker, in.Effective.In(callspec.Brussels).Format("2006-01-02"), in.By, in.At)
	return RecordGovernmentChangeResult{}, err
}

// LapseCallInput: the budget year closed while the call still waited.
type LapseCallInput struct {
	CallID     string    `json:"callId"`
	BudgetYear int       `json:"budgetYear"`
	At         time.Time `json:"at"`
	Why        string    `json:"why"` // e.g. "The government has been in caretaker mode since 2024-06-10."
}

// LapseCallResult counts the notices queued.
type LapseCallResult struct {
	Queued int `json:"queued"`
}

// LapseCall tells the officer the call lapsed and every applicant still
// waiting that the decision is postponed. Keys carry the budget year: a
// call carried over and lapsing again notifies again.
func (a *Activities) LapseCall(ctx context.Context, in LapseCallInput) (LapseCallResult, error) {
	var res LapseCallResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE calls SET status = 'lapsed', budget_year = $2 WHERE call_id = $1`, in.CallID, in.BudgetYear); err != nil {
			return err
		}
		var mails []outgoing
		rows, err := tx.Query(ctx, `SELECT email, language FROM call_contacts WHERE call_id = $1 AND role = 'officer'`, in.CallID)
		if err != nil {
			return err
		}
		officers, err := pgx.CollectRows(rows, pgx.RowToStructByPos[callspec.Contact])
		if err != nil {
			return err
		}
		for _, o := range officers {
			m, err := render(fmt.Sprintf("%s/lapsed/%d/%s", in.CallID, in.BudgetYear, o.Email), o.Language, o.Email, in.CallID, "", mailtemplates.Lapsed{
				CallID: call.ID, CallTitle: call.Title, BudgetYear: in.BudgetYear, NextYear: in.BudgetYear + 1,
				ClosedAt: in.At.In(callspec.Brussels).Format("02/01/2006 15:04"), Why: in.Why,
			})
			if err != nil {
				return err
			}
			mails = append(mails, m)
		}
		apps, err := tx.Query(ctx, `SELECT reference, contact_name, email, language, title FROM applications
			WHERE call_id = $1 AND eligible AND decision IS NULL ORDER BY seq`, in.CallID)
		if err != nil {
			return err
		}
		err = forEachApplicant(apps, func(ref, name, email, lang, title string) error {
			m, err := render(fmt.Sprintf("%s/%s/postponed/%d", in.CallID, ref, in.BudgetYear), lang, email, in.CallID, ref, mailtemplates.Postponed{
				CallTitle: call.Title, Reference: ref, ContactName: name, Title: title, BudgetYear: in.BudgetYear,
			})
			mails = append(mails, m)
			return err
		})
		if err != nil {
			return err
		}
		res.Queued, err = enqueue(ctx, tx, mails)
		return err
	})
	return res, err
}

// SetCallStatusInput records where a call stands (carried over, ...).
type SetCallStatusInput struct {
	CallID     string `json:"callId"`
	Status     string `json:"status"`
	BudgetYear int    `json:"budgetYear"`
}

// SetCallStatusResult is empty.
type SetCallStatusResult struct{}

// SetCallStatus updates the calls row; idempotent.
func (a *Activities) SetCallStatus(ctx context.Context, in SetCallStatusInput) (SetCallStatusResult, error) {
	_, err := a.DB.Exec(ctx, `UPDATE calls SET status = $2, budget_year = NULLIF($3, 0) WHERE call_id = $1`, in.CallID, in.Status, in.BudgetYear)
	return SetCallStatusResult{}, err
}

// CancelCallInput ends a call without grants.
type CancelCallInput struct {
	CallID string `json:"callId"`
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// CancelCallResult counts the notices queued.
type CancelCallResult struct {
	Queued int `json:"queued"`
}

// CancelCall records the cancellation and tells every applicant of the
// call, eligible or not, once.
func (a *Activities) CancelCall(ctx context.Context, in CancelCallInput) (CancelCallResult, error) {
	var res CancelCallResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE calls SET status = 'cancelled', end_reason = $2 WHERE call_id = $1`, in.CallID, in.Reason+" ("+in.By+")"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT reference, contact_name, email, language, title FROM applications WHERE call_id = $1 ORDER BY seq`, in.CallID)
		if err != nil {
			return err
		}
		var mails []outgoing
		err = forEachApplicant(rows, func(ref, name, email, lang, title string) error {
			m, err := render(in.CallID+"/"+ref+"/cancelled", lang, email, in.CallID, ref, mailtemplates.Cancelled{
				CallID: call.ID, CallTitle: call.Title, Reference: ref, ContactName: name, Title: title, Reason: in.Reason,
			})
			mails = append(mails, m)
			return err
		})
		if err != nil {
			return err
		}
		res.Queued, err = enqueue(ctx, tx, mails)
		return err
	})
	return res, err
}

func forEachApplicant(rows pgx.Rows, fn func(ref, name, email, lang, title string) error) error {
	defer rows.Close()
	type app struct{ ref, name, email, lang, title string }
	var all []app
	for rows.Next() {
		var x app
		if err := rows.Scan(&x.ref, &x.name, &x.email, &x.lang, &x.title); err != nil {
			return err
		}
		all = append(all, x)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range all {
		if err := fn(x.ref, x.name, x.email, x.lang, x.title); err != nil {
			return err
		}
	}
	return nil
}

// LatestGovernmentChangeInput is empty.
type LatestGovernmentChangeInput struct{}

// LatestGovernmentChangeResult is the last recorded status, if any.
type LatestGovernmentChangeResult struct {
	Found     bool      `json:"found"`
	Version   int       `json:"version"`
	Caretaker bool      `json:"caretaker"`
	Effective time.Time `json:"effective"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// LatestGovernmentChange lets a freshly started government workflow
// resume from the recorded history rather than assume "in office".
func (a *Activities) LatestGovernmentChange(ctx context.Context, _ LatestGovernmentChangeInput) (LatestGovernmentChangeResult, error) {
	var r LatestGovernmentChangeResult
	err := a.DB.QueryRow(ctx, `SELECT version, caretaker, effective::timestamp, changed_by, changed_at FROM government_changes ORDER BY version DESC LIMIT 1`).
		Scan(&r.Version, &r.Caretaker, &r.Effective, &r.By, &r.At)
	if err == pgx.ErrNoRows {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.Found = true
	// effective is a Brussels calendar day.
	r.Effective = time.Date(r.Effective.Year(), r.Effective.Month(), r.Effective.Day(), 0, 0, 0, 0, callspec.Brussels)
	return r, nil
}
