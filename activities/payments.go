package activities

import (
	"context"
	"time"

	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/payorder"
	"github.com/callcycle/callcycle/mailtemplates"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"
)

// Ledger kinds.
const (
	KindPayment  = "payment"
	KindRecovery = "recovery"
)

// OrderPaymentInput orders one tranche (or a recovery, Tranche 0).
type OrderPaymentInput struct {
	GrantID      string      `json:"grantId"`
	Tranche      int         `json:"tranche"`
	TrancheCount int         `json:"trancheCount"`
	Percent      int         `json:"percent"`
	Kind         string      `json:"kind"`
	Amount       money.Cents `json:"amount"`
	OrderedTotal money.Cents `json:"orderedTotal"` // including this one, for the mail
	Granted      money.Cents `json:"granted"`
	At           time.Time   `json:"at"`
}

// OrderPaymentResult says whether this attempt created the order.
type OrderPaymentResult struct {
	Created bool `json:"created"`
}

// OrderPayment writes the ledger row (UNIQUE per grant, tranche and kind:
// a retry or a worker that died after the commit orders nothing twice)
// and announces it to the applicant, in one short transaction. The
// payment-order workbook is not touched here: finance gets it on demand
// (`starter payments export`), built from the ledger, so a change costs
// no file rewrite and none can be missing from it.
func (a *Activities) OrderPayment(ctx context.Context, in OrderPaymentInput) (OrderPaymentResult, error) {
	var res OrderPaymentResult
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT true FROM grants WHERE grant_id = $1`, in.GrantID).Scan(&exists); err != nil {
			if err == pgx.ErrNoRows {
				return temporal.NewNonRetryableApplicationError("no grant "+in.GrantID, ErrTypeNotFound, nil)
			}
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO ledger (grant_id, tranche, kind, amount_cents, ordered_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, in.GrantID, in.Tranche, in.Kind, int64(in.Amount), in.At)
		if err != nil {
			return err
		}
		res.Created = tag.RowsAffected() == 1
		if in.Kind != KindPayment {
			return nil // a recovery is announced in the closing mail
		}
		return grantMail(ctx, tx, in.GrantID, itoa(in.Tranche), false, &mailtemplates.Payment{
			Amount: in.Amount.String(), Tranche: in.Tranche, TrancheCount: in.TrancheCount, Percent: in.Percent,
			PaidTotal: in.OrderedTotal.String(), Granted: in.Granted.String()})
	})
	return res, err
}

// ConfirmPaymentInput records that finance executed an order.
type ConfirmPaymentInput struct {
	GrantID string    `json:"grantId"`
	Tranche int       `json:"tranche"`
	Kind    string    `json:"kind"`
	PaidOn  time.Time `json:"paidOn"`
	By      string    `json:"by"`
}

// ConfirmPaymentResult is empty.
type ConfirmPaymentResult struct{}

// ConfirmPayment marks a ledger row executed (once): a retry with the same
// date matches the row again and changes nothing; another date, or no
// order, is refused for good.
func (a *Activities) ConfirmPayment(ctx context.Context, in ConfirmPaymentInput) (ConfirmPaymentResult, error) {
	tag, err := a.DB.Exec(ctx, `UPDATE ledger SET paid_on = $4, confirmed_by = $5
		WHERE grant_id = $1 AND tranche = $2 AND kind = $3 AND (paid_on IS NULL OR paid_on = $4)`,
		in.GrantID, in.Tranche, in.Kind, nullDate(in.PaidOn), in.By)
	if err != nil {
		return ConfirmPaymentResult{}, err
	}
	if tag.RowsAffected() == 0 {
		return ConfirmPaymentResult{}, temporal.NewNonRetryableApplicationError("no open order for this tranche", ErrTypeNotFound, nil)
	}
	return ConfirmPaymentResult{}, nil
}

// PaymentOrders lists a call's ledger with the bank accounts, for finance.
func PaymentOrders(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, callID string) ([]payorder.Order, error) {
	rows, err := q.Query(ctx, `SELECT l.grant_id, g.reference, p.name, a.title, COALESCE(a.iban, ''), l.tranche, l.kind,
			l.amount_cents, l.ordered_at, l.paid_on::timestamp
		FROM ledger l JOIN grants g USING (grant_id) JOIN applications a ON a.reference = g.reference
		JOIN applicants p USING (applicant_id)
		WHERE g.call_id = $1 ORDER BY l.ordered_at, l.grant_id, l.tranche`, callID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (payorder.Order, error) {
		var o payorder.Order
		var cents int64
		var paid *time.Time
		err := r.Scan(&o.GrantID, &o.Reference, &o.Association, &o.Title, &o.IBAN, &o.Tranche, &o.Kind, &cents, &o.OrderedAt, &paid)
		o.Amount = money.Cents(cents)
		if paid != nil {
			o.PaidOn = *paid
		}
		return o, err
	})
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}
