package activities

import (
	"context"
	"os"
	"path/filepath"
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
// a retry or a worker that died after the commit orders nothing twice),
// announces it to the applicant, and refreshes the call's payment-order
// workbook for finance. Bank accounts are read here, from PostgreSQL.
func (a *Activities) OrderPayment(ctx context.Context, in OrderPaymentInput) (OrderPaymentResult, error) {
	var res OrderPaymentResult
	var callID string
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT call_id FROM grants WHERE grant_id = $1`, in.GrantID).Scan(&callID); err != nil {
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
	if err != nil {
		return res, err
	}
	return res, a.writePaymentOrders(ctx, callID)
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

// ConfirmPayment marks a ledger row executed (once).
func (a *Activities) ConfirmPayment(ctx context.Context, in ConfirmPaymentInput) (ConfirmPaymentResult, error) {
	var callID string
	err := a.DB.QueryRow(ctx, `UPDATE ledger l SET paid_on = $4, confirmed_by = $5 FROM grants g
		WHERE l.grant_id = g.grant_id AND l.grant_id = $1 AND l.tranche = $2 AND l.kind = $3 AND (l.paid_on IS NULL OR l.paid_on = $4)
		RETURNING g.call_id`, in.GrantID, in.Tranche, in.Kind, nullDate(in.PaidOn), in.By).Scan(&callID)
	if err == pgx.ErrNoRows {
		return ConfirmPaymentResult{}, temporal.NewNonRetryableApplicationError("no open order for this tranche", ErrTypeNotFound, nil)
	}
	if err != nil {
		return ConfirmPaymentResult{}, err
	}
	return ConfirmPaymentResult{}, a.writePaymentOrders(ctx, callID)
}

// writePaymentOrders brings <OUTPUT_DIR>/<call>/payment-orders.xlsx up to
// date after a ledger change of the call has committed. Rewrites are
// grouped: the change is counted (payment_order_files.changed), then, under
// a per-call advisory lock, the file is rewritten only if no rewrite since
// has included it. With 16 grants paying at once one rewrite covers many
// changes, instead of one full rewrite per change (O(n²) for a call).
// The count is read before the ledger, so a rewrite includes at least every
// change it records as written; a retry counts again and rewrites.
func (a *Activities) writePaymentOrders(ctx context.Context, callID string) error {
	var mine int64
	if err := a.DB.QueryRow(ctx, `INSERT INTO payment_order_files (call_id, changed) VALUES ($1, 1)
		ON CONFLICT (call_id) DO UPDATE SET changed = payment_order_files.changed + 1 RETURNING changed`, callID).Scan(&mine); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('payment-orders/' || $1))`, callID); err != nil {
			return err
		}
		var changed, written int64
		if err := tx.QueryRow(ctx, `SELECT changed, written FROM payment_order_files WHERE call_id = $1`, callID).Scan(&changed, &written); err != nil {
			return err
		}
		if written >= mine {
			return nil // a rewrite since our change included it
		}
		orders, err := PaymentOrders(ctx, tx, callID)
		if err != nil {
			return err
		}
		err = writeAtomically(filepath.Join(a.callDir(callID), "payment-orders.xlsx"), func(f *os.File) error {
			return payorder.Write(f, "Ordres de paiement — "+callID, orders)
		})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE payment_order_files SET written = $2 WHERE call_id = $1 AND written < $2`, callID, changed)
		return err
	})
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
