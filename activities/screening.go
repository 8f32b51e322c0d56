package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"
)

// Automatic screening, the officer's verdicts and the end of screening
// all write applications.eligible and queue the ineligibility notice in
// the same transaction, so a verdict and its mail cannot part ways.

// AutoScreenInput names the call whose window just closed.
type AutoScreenInput struct {
	CallID string    `json:"callId"`
	At     time.Time `json:"at"`
}

// AutoScreenResult lists the applications the checks declared ineligible.
type AutoScreenResult struct {
	Ineligible []int `json:"ineligible"` // seq numbers
	Checked    int   `json:"checked"`
}

// AutoScreen runs the call's automatic checks on every application not
// yet screened. Re-running finds nothing left to check.
func (a *Activities) AutoScreen(ctx context.Context, in AutoScreenInput) (AutoScreenResult, error) {
	var res AutoScreenResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT reference, seq, iban IS NOT NULL AND iban <> '', duration_months
			FROM applications WHERE call_id = $1 AND eligible IS NULL ORDER BY seq`, in.CallID)
		if err != nil {
			return err
		}
		var refs, reasons []string
		for rows.Next() {
			var ref string
			var seq, months int
			var hasIBAN bool
			if err := rows.Scan(&ref, &seq, &hasIBAN, &months); err != nil {
				return err
			}
			res.Checked++
			if reason := autoCheck(call.Screening, hasIBAN, months); reason != "" {
				refs, reasons = append(refs, ref), append(reasons, reason)
				res.Ineligible = append(res.Ineligible, seq)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return markIneligible(ctx, tx, call, refs, reasons, "automatic", in.At)
	})
	return res, err
}

// autoCheck returns why an application fails the call's checks, or "".
// The reason is sent to the applicant as written here.
func autoCheck(r callspec.ScreeningRules, hasIBAN bool, months int) string {
	switch {
	case r.RequireIBAN && !hasIBAN:
		return "no bank account (IBAN) was given; a grant cannot be paid without one"
	case r.MaxDurationMonths > 0 && months > r.MaxDurationMonths:
		return fmt.Sprintf("the project lasts %d months; this call funds projects of at most %d months", months, r.MaxDurationMonths)
	}
	return ""
}

// Verdict is the officer's decision on one application.
type Verdict struct {
	Reference string `json:"reference"`
	Eligible  bool   `json:"eligible"`
	Reason    string `json:"reason"` // required when not eligible
}

// RecordVerdictsInput is a batch of verdicts the workflow accepted.
type RecordVerdictsInput struct {
	CallID   string    `json:"callId"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Verdicts []Verdict `json:"verdicts"`
}

// RecordVerdictsResult counts rows changed by this attempt.
type RecordVerdictsResult struct {
	Recorded int `json:"recorded"`
}

// RecordVerdicts stores verdicts. Rows already screened are left alone,
// which makes a retry harmless.
func (a *Activities) RecordVerdicts(ctx context.Context, in RecordVerdictsInput) (RecordVerdictsResult, error) {
	var res RecordVerdictsResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		var okRefs, badRefs, badReasons []string
		for _, v := range in.Verdicts {
			if v.Eligible {
				okRefs = append(okRefs, v.Reference)
			} else {
				badRefs, badReasons = append(badRefs, v.Reference), append(badReasons, v.Reason)
			}
		}
		var present int
		all := append(append([]string(nil), okRefs...), badRefs...)
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM applications WHERE call_id = $1 AND reference = ANY($2)`, in.CallID, all).Scan(&present); err != nil {
			return err
		}
		if present != len(all) {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%d of %d references are not applications of %s", len(all)-present, len(all), in.CallID), ErrTypeNotFound, nil)
		}
		tag, err := tx.Exec(ctx, `UPDATE applications SET eligible = true, screened_by = $3, screened_at = $4
			WHERE call_id = $1 AND reference = ANY($2) AND eligible IS NULL`, in.CallID, okRefs, in.By, in.At)
		if err != nil {
			return err
		}
		res.Recorded = int(tag.RowsAffected())
		before := res.Recorded
		if err := markIneligible(ctx, tx, call, badRefs, badReasons, in.By, in.At); err != nil {
			return err
		}
		res.Recorded = before + len(badRefs)
		return nil
	})
	return res, err
}

// EndScreeningInput ends screening early.
type EndScreeningInput struct {
	CallID string    `json:"callId"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// EndScreeningResult counts applications that had no verdict.
type EndScreeningResult struct {
	DeclaredEligible int `json:"declaredEligible"`
}

// EndScreening declares every application without a verdict eligible:
// they passed the automatic checks and nobody objected. This rule is the
// officer's to invoke and is recorded as such in screened_by.
func (a *Activities) EndScreening(ctx context.Context, in EndScreeningInput) (EndScreeningResult, error) {
	tag, err := a.DB.Exec(ctx, `UPDATE applications SET eligible = true, screened_by = $2, screened_at = $3
		WHERE call_id = $1 AND eligible IS NULL`, in.CallID, in.By+" (screening ended)", in.At)
	if err != nil {
		return EndScreeningResult{}, err
	}
	return EndScreeningResult{DeclaredEligible: int(tag.RowsAffected())}, nil
}

// markIneligible sets the verdict and queues the notice with its reason,
// in the applicant's language. Already-screened rows are skipped.
func markIneligible(ctx context.Context, tx pgx.Tx, call callspec.Call, refs, reasons []string, by string, at time.Time) error {
	if len(refs) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `
		UPDATE applications a SET eligible = false, screening_reason = t.reason, screened_by = $3, screened_at = $4
		FROM unnest($1::text[], $2::text[]) AS t(ref, reason)
		WHERE a.reference = t.ref AND a.eligible IS NULL
		RETURNING a.reference, a.contact_name, a.email, a.language, a.title, t.reason`, refs, reasons, by, at)
	if err != nil {
		return err
	}
	var mails []outgoing
	for rows.Next() {
		var ref, name, email, lang, title, reason string
		if err := rows.Scan(&ref, &name, &email, &lang, &title, &reason); err != nil {
			return err
		}
		m, err := render(call.ID+"/"+ref+"/ineligible", lang, email, call.ID, ref, mailtemplates.Ineligible{
			CallTitle: call.Title, Reference: ref, ContactName: name, Title: title, Reason: reason,
		})
		if err != nil {
			return err
		}
		mails = append(mails, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = enqueue(ctx, tx, mails)
	return err
}
