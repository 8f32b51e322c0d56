package activities

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"
)

// Grant is one approved project and the amount granted.
type Grant struct {
	Reference string      `json:"reference"`
	Amount    money.Cents `json:"amount"`
}

// RecordDecisionInput is the government's decision on a call.
type RecordDecisionInput struct {
	CallID     string    `json:"callId"`
	Decree     string    `json:"decree"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	BudgetYear int       `json:"budgetYear"`
	Grants     []Grant   `json:"grants"`
}

// RecordDecisionResult counts the outcome.
type RecordDecisionResult struct {
	Granted  int         `json:"granted"`
	Rejected int         `json:"rejected"`
	Total    money.Cents `json:"total"`
}

// RecordDecision stores the decision and queues the decision mails:
// granted applicants get the amount and next steps, the other eligible
// applicants their rank, score and the reason. One transaction; a retry
// finds the decision row and does nothing.
func (a *Activities) RecordDecision(ctx context.Context, in RecordDecisionInput) (RecordDecisionResult, error) {
	var res RecordDecisionResult
	refs, amounts := make([]string, len(in.Grants)), make([]int64, len(in.Grants))
	for i, g := range in.Grants {
		refs[i], amounts[i] = g.Reference, int64(g.Amount)
		res.Total += g.Amount
	}
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO decisions (call_id, decree, decided_by, decided_at, total_cents, budget_year)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_id) DO NOTHING`, in.CallID, in.Decree, in.By, in.At, int64(res.Total), in.BudgetYear)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // recorded by an earlier attempt
		}
		// Amounts are checked against what was asked, here where the
		// requested amounts are (the workflow checked the rest).
		var bad []string
		rows, err := tx.Query(ctx, `SELECT t.ref, a.reference IS NULL, COALESCE(a.amount_cents, 0), COALESCE(a.eligible, false)
			FROM unnest($1::text[], $2::bigint[]) AS t(ref, amount)
			LEFT JOIN applications a ON a.reference = t.ref AND a.call_id = $3
			WHERE a.reference IS NULL OR NOT a.eligible OR t.amount > a.amount_cents`, refs, amounts, in.CallID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ref string
			var missing, eligible bool
			var requested int64
			if err := rows.Scan(&ref, &missing, &requested, &eligible); err != nil {
				return err
			}
			switch {
			case missing:
				bad = append(bad, ref+" is not an application of "+in.CallID)
			case !eligible:
				bad = append(bad, ref+" is not eligible")
			default:
				bad = append(bad, fmt.Sprintf("%s: the amount granted exceeds the %s requested", ref, money.Cents(requested)))
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(bad) > 0 {
			return temporal.NewNonRetryableApplicationError(fmt.Sprint(bad), ErrTypeInvalid, nil)
		}
		if _, err := tx.Exec(ctx, `UPDATE applications a SET decision = 'granted', granted_cents = t.amount
			FROM unnest($1::text[], $2::bigint[]) AS t(ref, amount) WHERE a.reference = t.ref`, refs, amounts); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET decision = 'rejected' WHERE call_id = $1 AND eligible AND decision IS NULL`, in.CallID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE calls SET status = 'decided', budget_year = $2 WHERE call_id = $1`, in.CallID, in.BudgetYear); err != nil {
			return err
		}
		mrows, err := tx.Query(ctx, `
			SELECT a.reference, a.contact_name, a.email, a.language, a.title, a.decision, COALESCE(a.granted_cents, 0), a.amount_cents,
				COALESCE(r.rank, 0), COALESCE(r.total, 0), COALESCE(r.max_total, 0), COALESCE(r.selected, false),
				(SELECT count(*) FROM ranking WHERE call_id = $1)
			FROM applications a LEFT JOIN ranking r USING (reference)
			WHERE a.call_id = $1 AND a.decision IS NOT NULL ORDER BY a.seq`, in.CallID)
		if err != nil {
			return err
		}
		type row struct {
			ref, name, email, lang, title, decision string
			granted, requested, total, max          int64
			rank, ranked                            int
			proposed                                bool
		}
		var all []row
		for mrows.Next() {
			var r row
			if err := mrows.Scan(&r.ref, &r.name, &r.email, &r.lang, &r.title, &r.decision, &r.granted, &r.requested,
				&r.rank, &r.total, &r.max, &r.proposed, &r.ranked); err != nil {
				return err
			}
			all = append(all, r)
		}
		if err := mrows.Err(); err != nil {
			return err
		}
		var mails []outgoing
		for _, r := range all {
			var data mailtemplates.Data
			if r.decision == "granted" {
				res.Granted++
				data = mailtemplates.Granted{CallTitle: call.Title, Reference: r.ref, ContactName: r.name, Title: r.title, Decree: in.Decree,
					Amount: money.Cents(r.granted).String(), Requested: money.Cents(r.requested).String(), Reduced: r.granted < r.requested}
			} else {
				res.Rejected++
				data = mailtemplates.Rejected{CallTitle: call.Title, Reference: r.ref, ContactName: r.name, Title: r.title, Decree: in.Decree,
					Rank: r.rank, Ranked: r.ranked, Score: percent(r.total, r.max), Reason: rejectionReason(r.proposed, r.lang)}
			}
			m, err := render(in.CallID+"/"+r.ref+"/decision", r.lang, r.email, in.CallID, r.ref, data)
			if err != nil {
				return err
			}
			mails = append(mails, m)
		}
		_, err = enqueue(ctx, tx, mails)
		return err
	})
	return res, err
}

// percent prints total/max as "87,50 %" (Belgian comma), exactly rounded.
func percent(total, max int64) string {
	if max == 0 {
		return "–"
	}
	bp := (total*10000*2 + max) / (2 * max) // basis points, rounded half up
	return strconv.FormatInt(bp/100, 10) + "," + fmt.Sprintf("%02d", bp%100) + " %"
}

func rejectionReason(proposed bool, lang string) string {
	reasons := map[string][2]string{
		"fr": {"le projet est classé au-delà de ce que les enveloppes de l'appel permettent de financer", "le gouvernement n'a pas retenu le projet proposé par le comité"},
		"nl": {"het project is gerangschikt voorbij wat de enveloppes van de oproep kunnen financieren", "de regering heeft het door het comité voorgestelde project niet weerhouden"},
		"en": {"the project ranks beyond what the call's envelopes can fund", "the government did not retain the project the committee proposed"},
	}
	r := reasons[lang]
	if proposed {
		return r[1]
	}
	return r[0]
}
