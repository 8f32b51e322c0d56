package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"
)

// SaveCallInput is the call as launched.
type SaveCallInput struct {
	Call       callspec.Call `json:"call"`
	LaunchedAt time.Time     `json:"launchedAt"`
}

// SaveCallResult is empty: success means the row exists.
type SaveCallResult struct{}

// SaveCall records the call. Re-running it (retry, continue-as-new) keeps
// the first launch time and refreshes the config (an extended deadline).
func (a *Activities) SaveCall(ctx context.Context, in SaveCallInput) (SaveCallResult, error) {
	cfg, err := json.Marshal(in.Call)
	if err != nil {
		return SaveCallResult{}, err
	}
	_, err = a.DB.Exec(ctx, `
		INSERT INTO calls (call_id, kind, year, title, config, launched_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (call_id) DO UPDATE SET config = EXCLUDED.config`,
		in.Call.ID, in.Call.Kind, in.Call.Year, in.Call.Title, cfg, in.LaunchedAt)
	return SaveCallResult{}, err
}

// AcceptedApplication is one submission the workflow accepted, with the
// reference it assigned.
type AcceptedApplication struct {
	Reference   string      `json:"reference"`
	Seq         int         `json:"seq"`
	Token       string      `json:"token"`
	Association string      `json:"association"`
	Title       string      `json:"title"`
	Region      string      `json:"region"`
	Amount      money.Cents `json:"amount"`
	DupKey      string      `json:"dupKey"`
}

// RecordApplicationsInput is one accepted batch.
type RecordApplicationsInput struct {
	CallID       string                `json:"callId"`
	SubmittedAt  time.Time             `json:"submittedAt"`
	Applications []AcceptedApplication `json:"applications"`
}

// RecordApplicationsResult counts what this attempt wrote.
type RecordApplicationsResult struct {
	Recorded    int `json:"recorded"`
	MailsQueued int `json:"mailsQueued"`
}

// RecordApplications stores a batch in one transaction: applicants,
// applications (with the personal data taken from the inbox) and their
// receipt mails in the outbox. A retry after a commit finds every
// reference present and writes nothing.
func (a *Activities) RecordApplications(ctx context.Context, in RecordApplicationsInput) (RecordApplicationsResult, error) {
	n := len(in.Applications)
	refs, tokens, assocs, keys := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	titles, regions, dups := make([]string, n), make([]string, n), make([]string, n)
	seqs, amounts := make([]int32, n), make([]int64, n)
	for i, ap := range in.Applications {
		refs[i], tokens[i], assocs[i], keys[i] = ap.Reference, ap.Token, ap.Association, intake.NameKey(ap.Association)
		titles[i], regions[i], dups[i] = ap.Title, ap.Region, ap.DupKey
		seqs[i], amounts[i] = int32(ap.Seq), int64(ap.Amount)
	}
	var res RecordApplicationsResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO applicants (name, name_key)
			SELECT DISTINCT ON (k) n, k FROM unnest($1::text[], $2::text[]) AS t(n, k)
			ON CONFLICT (name_key) DO NOTHING`, assocs, keys); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO applications (reference, call_id, seq, applicant_id, title, dup_key, region,
				amount_cents, summary, duration_months, contact_name, email, language, iban, submitted_at)
			SELECT t.ref, $1, t.seq, ap.applicant_id, t.title, t.dup, t.region, t.amount,
				i.summary, i.duration_months, i.contact_name, i.email, i.language, i.iban, $2
			FROM unnest($3::text[], $4::int[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
				AS t(ref, seq, token, key, title, region, amount, dup)
			JOIN intake_inbox i ON i.token = t.token AND i.call_id = $1
			JOIN applicants ap ON ap.name_key = t.key
			ON CONFLICT (reference) DO NOTHING
			RETURNING reference, contact_name, email, language`,
			in.CallID, in.SubmittedAt, refs, seqs, tokens, keys, titles, regions, amounts, dups)
		if err != nil {
			return err
		}
		type inserted struct{ ref, name, email, lang string }
		var ins []inserted
		for rows.Next() {
			var r inserted
			if err := rows.Scan(&r.ref, &r.name, &r.email, &r.lang); err != nil {
				return err
			}
			ins = append(ins, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// Every reference must now exist, either just inserted or by an
		// earlier attempt; otherwise its inbox row is gone.
		var present int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM applications WHERE reference = ANY($1)`, refs).Scan(&present); err != nil {
			return err
		}
		if present != n {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%d of %d applications have no inbox row (personal data missing)", n-present, n), ErrTypeInboxMissing, nil)
		}
		byRef := make(map[string]AcceptedApplication, n)
		for _, ap := range in.Applications {
			byRef[ap.Reference] = ap
		}
		var mails []outgoing
		for _, r := range ins {
			ap := byRef[r.ref]
			m, err := render(receiptKey(in.CallID, r.ref), r.lang, r.email, in.CallID, r.ref, mailtemplates.Receipt{
				CallID: call.ID, CallTitle: call.Title, Reference: r.ref, ContactName: r.name,
				Association: ap.Association, Title: ap.Title, Region: ap.Region, Amount: ap.Amount.String(),
				SubmittedAt: in.SubmittedAt.In(callspec.Brussels).Format("02/01/2006 15:04"),
			})
			if err != nil {
				return err
			}
			mails = append(mails, m)
		}
		queued, err := enqueue(ctx, tx, mails)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM intake_inbox WHERE token = ANY($1::uuid[])`, tokens); err != nil {
			return err
		}
		res = RecordApplicationsResult{Recorded: len(ins), MailsQueued: queued}
		return nil
	})
	return res, err
}

type queryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func loadCall(ctx context.Context, q queryer, callID string) (callspec.Call, error) {
	var raw []byte
	err := q.QueryRow(ctx, `SELECT config FROM calls WHERE call_id = $1`, callID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return callspec.Call{}, temporal.NewNonRetryableApplicationError("call "+callID+" is not in the database", ErrTypeNotFound, nil)
	}
	if err != nil {
		return callspec.Call{}, err
	}
	var c callspec.Call
	return c, json.Unmarshal(raw, &c)
}

func receiptKey(callID, ref string) string { return callID + "/" + ref + "/receipt" }
