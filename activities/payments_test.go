package activities_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/payorder"
	"github.com/xuri/excelize/v2"
	"golang.org/x/sync/errgroup"
)

// Payment orders and confirmations arriving at once share rewrites of the
// call's payment-order workbook, and the file still ends with every one of
// them: no change is left out because another rewrite was skipped.
func TestPaymentOrderWorkbookGroupsRewrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	f.openGrant(t)
	const grant = "GRANT-AP-TEST-2024-0001"
	// The activities run as the worker runs them: concurrently, on one pool.
	const n = 24
	var g errgroup.Group
	for i := 1; i <= n; i++ {
		g.Go(func() error {
			_, err := f.acts.OrderPayment(ctx, activities.OrderPaymentInput{GrantID: grant, Tranche: i, TrancheCount: n, Percent: 1,
				Kind: activities.KindPayment, Amount: money.Euros(100), OrderedTotal: money.Euros(100), Granted: money.Euros(15000), At: time.Now()})
			if err != nil || i%2 == 1 {
				return err
			}
			_, err = f.acts.ConfirmPayment(ctx, activities.ConfirmPaymentInput{GrantID: grant, Tranche: i, Kind: activities.KindPayment,
				PaidOn: time.Now(), By: "finance"})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(filepath.Join(f.acts.OutputDir, f.call.ID, "payment-orders.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(payorder.Sheet)
	if err != nil {
		t.Fatal(err)
	}
	orders, executed := 0, 0
	for _, r := range rows {
		if len(r) > 0 && r[0] == grant {
			orders++
			if len(r) > 9 && r[9] != "" {
				executed++
			}
		}
	}
	if orders != n || executed != n/2 {
		t.Fatalf("workbook: %d orders (want %d), %d executed (want %d)", orders, n, executed, n/2)
	}
	var changed, written int
	if err := f.db.QueryRow(ctx, `SELECT changed, written FROM payment_order_files WHERE call_id = $1`, f.call.ID).Scan(&changed, &written); err != nil {
		t.Fatal(err)
	}
	if changed != n+n/2 || written != changed {
		t.Fatalf("changes counted %d (want %d), written %d", changed, n+n/2, written)
	}
	t.Logf("%d ledger changes", changed)
}
