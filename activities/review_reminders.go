package activities

import (
	"context"
	"fmt"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
)

// RemindReviewersInput names the call and the reminder (how many days
// before the committee deadline it is): no reviewer, no address. The
// activity finds who has not returned in PostgreSQL.
type RemindReviewersInput struct {
	CallID     string `json:"callId"`
	DaysBefore int    `json:"daysBefore"`
}

// RemindReviewersResult counts the reminders queued.
type RemindReviewersResult struct {
	Queued int `json:"queued"`
}

// RemindReviewers queues a reminder to every reviewer of the call who
// has not returned its sheet (declared, and a score for every eligible
// file it has no conflict with), in the language of its declaration.
// Each mail's business key names the call, the reminder and the
// reviewer's user id, so a retried or repeated activity sends none twice.
func (a *Activities) RemindReviewers(ctx context.Context, in RemindReviewersInput) (RemindReviewersResult, error) {
	var res RemindReviewersResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		call, err := loadCall(ctx, tx, in.CallID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT ra.user_id::text, u.name, u.email, ra.language, ra.declared_at IS NOT NULL,
			(SELECT count(*) FROM applications a WHERE a.call_id = ra.call_id AND a.eligible AND NOT a.reference = ANY (ra.conflicts)
				AND NOT EXISTS (SELECT 1 FROM review_sheet_scores r WHERE r.call_id = ra.call_id AND r.user_id = ra.user_id AND r.reference = a.reference))
			FROM reviewer_assignments ra JOIN users u USING (user_id)
			WHERE ra.call_id = $1 AND u.disabled_at IS NULL ORDER BY ra.user_id`, in.CallID)
		if err != nil {
			return err
		}
		type reviewer struct {
			id, name, email, lang string
			left                  int
			declared              bool
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (reviewer, error) {
			var x reviewer
			return x, r.Scan(&x.id, &x.name, &x.email, &x.lang, &x.declared, &x.left)
		})
		if err != nil {
			return err
		}
		var mails []outgoing
		for _, x := range list {
			if x.left == 0 && x.declared {
				continue // returned (before declaring, nothing is scored whatever is left)
			}
			m, err := render(fmt.Sprintf("%s/committee-reminder/%d/%s", in.CallID, in.DaysBefore, x.id), x.lang, x.email, in.CallID, "",
				mailtemplates.CommitteeReminder{CallID: call.ID, CallTitle: call.Title, ReviewerName: x.name,
					Deadline: call.Committee.Deadline.In(callspec.Brussels).Format("02/01/2006"), DaysLeft: in.DaysBefore, Left: x.left})
			if err != nil {
				return err
			}
			mails = append(mails, m)
		}
		res.Queued, err = enqueue(ctx, tx, mails)
		return err
	})
	return res, err
}
