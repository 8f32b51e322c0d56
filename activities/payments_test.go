package activities_test

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/payorder"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"
)

// Payment orders and confirmations arriving at once, as the worker runs
// them (concurrently, on one pool), all appear in the workbook finance
// exports afterwards: the workbook is built from the ledger when asked
// for, so no change can be left out of a cached copy.
func TestPaymentsExportListsEveryConcurrentChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	f.openGrant(t)
	const grant = "GRANT-AP-TEST-2024-0001"
	const n = 24
	paidOn := time.Now()
	var g errgroup.Group
	for i := 1; i <= n; i++ {
		g.Go(func() error {
			_, err := f.acts.OrderPayment(ctx, activities.OrderPaymentInput{GrantID: grant, Tranche: i, TrancheCount: n, Percent: 1,
				Kind: activities.KindPayment, Amount: money.Euros(100 + int64(i)), OrderedTotal: money.Euros(100), Granted: money.Euros(15000), At: time.Now()})
			if err != nil || i%2 == 1 {
				return err
			}
			_, err = f.acts.ConfirmPayment(ctx, activities.ConfirmPaymentInput{GrantID: grant, Tranche: i, Kind: activities.KindPayment,
				PaidOn: paidOn, By: "finance"})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// What `starter payments export` writes (operations.PaymentsExport).
	orders, err := activities.PaymentOrders(ctx, f.db, f.call.ID)
	if err != nil {
		t.Fatal(err)
	}
	var book bytes.Buffer
	if err := payorder.Write(&book, "Ordres de paiement — "+f.call.ID, orders); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	raw, err := x.GetRows(payorder.Sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := x.GetRows(payorder.Sheet)
	if err != nil {
		t.Fatal(err)
	}
	today := paidOn.In(callspec.Brussels).Format("02/01/2006")
	seen := map[int]bool{}
	executed := 0
	for i, r := range raw {
		if len(r) < 8 || r[0] != grant {
			continue
		}
		tr, err := strconv.Atoi(r[5])
		if err != nil || seen[tr] || tr < 1 || tr > n {
			t.Fatalf("row %d: tranche %q (listed before: %v)", i+1, r[5], seen[tr])
		}
		seen[tr] = true
		if want := strconv.Itoa(100 + tr); r[7] != want || r[4] != "BE68 5390 0754 7034" || r[6] != activities.KindPayment {
			t.Errorf("row %d = %q, want amount %s, account BE68 5390 0754 7034, kind payment", i+1, r, want)
		}
		var paid string
		if len(shown[i]) > 9 {
			paid = shown[i][9]
		}
		if tr%2 == 0 && paid != today || tr%2 == 1 && paid != "" {
			t.Errorf("tranche %d executed on %q", tr, paid)
		}
		if paid != "" {
			executed++
		}
	}
	if len(seen) != n || executed != n/2 {
		t.Fatalf("export: %d orders (want %d), %d executed (want %d)\n%q", len(seen), n, executed, n/2, shown)
	}
}

// A confirmation retried with the same date changes nothing; another date,
// an order never made or a grant that does not exist is refused for good
// (non-retryable, ErrTypeNotFound), as the workflow expects.
func TestPaymentErrorsAndRetriedConfirmation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.openGrant(t)
	const grant = "GRANT-AP-TEST-2024-0001"
	f.run(t, f.acts.OrderPayment, activities.OrderPaymentInput{GrantID: grant, Tranche: 1, TrancheCount: 1, Percent: 100,
		Kind: activities.KindPayment, Amount: money.Euros(15000), OrderedTotal: money.Euros(15000), Granted: money.Euros(15000), At: time.Now()}, nil)
	day := time.Date(2024, 5, 6, 12, 0, 0, 0, callspec.Brussels)
	confirm := activities.ConfirmPaymentInput{GrantID: grant, Tranche: 1, Kind: activities.KindPayment, PaidOn: day, By: "finance"}
	f.run(t, f.acts.ConfirmPayment, confirm, nil)
	f.run(t, f.acts.ConfirmPayment, confirm, nil)
	if n := f.count(t, `SELECT count(*) FROM ledger WHERE paid_on = '2024-05-06' AND confirmed_by = 'finance'`); n != 1 {
		t.Fatalf("confirmed rows: %d", n)
	}
	other := confirm
	other.PaidOn = day.AddDate(0, 0, 1)
	unordered := confirm
	unordered.Tranche = 2
	for what, call := range map[string]func() error{
		"another date": func() error { _, err := f.env.ExecuteActivity(f.acts.ConfirmPayment, other); return err },
		"unordered":    func() error { _, err := f.env.ExecuteActivity(f.acts.ConfirmPayment, unordered); return err },
		"no such grant": func() error {
			_, err := f.env.ExecuteActivity(f.acts.OrderPayment, activities.OrderPaymentInput{GrantID: "GRANT-NOPE", Tranche: 1,
				Kind: activities.KindPayment, Amount: money.Euros(1), At: time.Now()})
			return err
		},
	} {
		var appErr *temporal.ApplicationError
		if err := call(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeNotFound || !appErr.NonRetryable() {
			t.Errorf("%s: want a non-retryable %s, got %v", what, activities.ErrTypeNotFound, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM ledger WHERE paid_on = '2024-05-06'`) + f.count(t, `SELECT count(*) FROM ledger`); n != 2 {
		t.Fatalf("a refused change altered the ledger (%d)", n)
	}
}
