package operations_test

import (
	"context"
	"github.com/callcycle/callcycle/internal/callspec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/payorder"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/xuri/excelize/v2"
)

// TestEndToEndGrantsToClosure runs a short-duration call (a week of the
// call's time per second) from launch to the closure of its last grant:
// one grant is fully spent, the other spent less than it received and
// ends with a recovery order.
func TestEndToEndGrantsToClosure(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	const call = "AP-CMS-G"
	s.toProposal(t, call, "tranches: [{percent: 100, on: signature}]",
		"tranches: [{percent: 80, on: signature}, {percent: 20, on: final-report}]\ntime_scale: 604800")
	if _, err := s.env.Decide(ctx, call, decideOpts{Decree: "AGRBC 2030/12", All: true}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool {
		st := waitStage(t, s.env, call, workflows.StageDecided)
		d, _ := s.tc.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID(call), "")
		for _, pa := range d.GetPendingActivities() {
			t.Logf("pending %s attempt %d: %s", pa.GetActivityType().GetName(), pa.GetAttempt(), pa.GetLastFailure().GetMessage())
		}
		return st.Grants.Started == 2
	})
	ulb, oxfam := workflows.GrantWorkflowID(call+"-0001"), workflows.GrantWorkflowID(call+"-0002")
	today := time.Now().In(callspec.Brussels).Format("2006-01-02")

	// Bad input is refused and changes nothing.
	wantUsage(t, "unknown grant", s.env.GrantSign(ctx, "GRANT-NOPE", today), "no grant")
	wantUsage(t, "future signature", s.env.GrantSign(ctx, ulb, "2099-01-01"), "future")
	wantUsage(t, "payment not ordered", s.env.GrantPaid(ctx, ulb, 1, today), "not been ordered")

	for _, g := range []string{ulb, oxfam} {
		if err := s.env.GrantSign(ctx, g, today); err != nil {
			t.Fatal(err)
		}
		wantUsage(t, "second signature", s.env.GrantSign(ctx, g, today), "already signed")
		if err := s.env.GrantPaid(ctx, g, 1, today); err != nil {
			t.Fatal(err)
		}
		wantUsage(t, "paid twice", s.env.GrantPaid(ctx, g, 1, today), "already paid")
		// The project ended early: the report is due 60 compressed days later.
		if err := s.env.GrantEndDate(ctx, g, time.Now().Add(time.Second).Format(time.RFC3339)); err != nil {
			t.Fatal(err)
		}
	}
	err := s.env.GrantReport(ctx, ulb, reportOpts{Beneficiaries: 300, Spent: "18.963 €"})
	wantKind(t, "report without lessons", err, operations.Refused, "lessons: required")
	wantField(t, "report without lessons", err, "lessons")
	if err := s.env.GrantReport(ctx, ulb, reportOpts{Beneficiaries: 300, Spent: "18.963 €", Lessons: "Les jeux marchent."}); err != nil {
		t.Fatal(err)
	}
	if err := s.env.GrantReport(ctx, oxfam, reportOpts{Beneficiaries: 80, Spent: "5.000 €", Lessons: "Minder deelnemers."}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{ulb, oxfam} {
		if err := s.env.GrantReview(ctx, g, true, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	// ULB: final 20 % (3.792,60 €) ordered; Oxfam: paid 8.669,60 €, spent
	// 5.000 €: 3.669,60 € to recover.
	if err := s.env.GrantPaid(ctx, ulb, 2, today); err != nil {
		t.Fatal(err)
	}
	if err := s.env.GrantPaid(ctx, oxfam, 0, today); err != nil {
		t.Fatal(err)
	}
	st := waitStage(t, s.env, call, workflows.StageCompleted)
	if st.Grants.Closed != 2 || st.Grants.Paid.Cents != 1896300+866960 || st.Grants.Recovered.Cents != 366960 {
		t.Fatalf("call account: %+v", st.Grants)
	}

	type row struct {
		grant, kind string
		tranche     int
		amount      int64
		paid        bool
	}
	var ledger []row
	rows, _ := s.db.Query(ctx, `SELECT grant_id, kind, tranche, amount_cents, paid_on IS NOT NULL FROM ledger ORDER BY grant_id, kind, tranche`)
	for rows.Next() {
		var r row
		_ = rows.Scan(&r.grant, &r.kind, &r.tranche, &r.amount, &r.paid)
		ledger = append(ledger, r)
	}
	want := []row{{ulb, "payment", 1, 1517040, true}, {ulb, "payment", 2, 379260, true},
		{oxfam, "payment", 1, 866960, true}, {oxfam, "recovery", 0, 366960, true}}
	if len(ledger) != len(want) {
		t.Fatalf("ledger %+v", ledger)
	}
	for i := range want {
		if ledger[i] != want[i] {
			t.Errorf("ledger row %d: %+v, want %+v", i, ledger[i], want[i])
		}
	}

	// The payment-order workbook finance exports (`starter payments
	// export`): every ledger row, with its amount, bank account and date
	// of execution.
	out := filepath.Join(t.TempDir(), "payment-orders.xlsx")
	exp, err := s.env.PaymentsExport(ctx, call, out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, _ := f.GetRows(payorder.Sheet, excelize.Options{RawCellValue: true})
	shown, _ := f.GetRows(payorder.Sheet)
	iban := map[string]string{ulb: "BE71 0961 2345 6769", oxfam: "BE68 5390 0754 7034"}
	paidOn, _ := time.ParseInLocation("2006-01-02", today, callspec.Brussels)
	type order struct{ grant, iban, tranche, kind, amount, paid string }
	var got []order
	for i, r := range raw {
		if len(r) > 7 && strings.HasPrefix(r[0], "GRANT-") {
			o := order{grant: r[0], iban: r[4], tranche: r[5], kind: r[6], amount: r[7]}
			if len(shown[i]) > 9 {
				o.paid = shown[i][9]
			}
			got = append(got, o)
		}
	}
	wantOrders := map[order]bool{}
	for _, l := range want {
		tr := strconv.Itoa(l.tranche)
		if l.kind == "recovery" {
			tr = ""
		}
		wantOrders[order{l.grant, iban[l.grant], tr, l.kind, strconv.FormatFloat(float64(l.amount)/100, 'f', -1, 64), paidOn.Format("02/01/2006")}] = true
	}
	if exp.Orders != len(want) || len(got) != len(want) {
		t.Fatalf("payment-order export: %d orders counted, %d listed, want %d\n%q", exp.Orders, len(got), len(want), shown)
	}
	for _, o := range got {
		if !wantOrders[o] {
			t.Errorf("payment-order export lists %+v, want one of %v", o, wantOrders)
		}
		delete(wantOrders, o)
	}

	// Every mail once; the closing mails went out.
	waitUntil(t, 30*time.Second, func() bool {
		return s.count(t, "SELECT count(*) FROM mail_log WHERE status = 'sent'") == s.count(t, "SELECT count(*) FROM mail_log")
	})
	ids := map[string]bool{}
	for _, m := range s.sink.Messages(t) {
		if ids[m.MessageID] {
			t.Errorf("mail %s delivered twice", m.MessageID)
		}
		ids[m.MessageID] = true
	}
	if n := s.count(t, "SELECT count(*) FROM mail_log WHERE kind IN ('agreement', 'closure')"); n != 4 {
		t.Errorf("agreement and closure mails: %d, want 4", n)
	}
	// A closed grant and a completed call say so, with their final stage,
	// instead of "no such grant" or "launch it first".
	waitUntil(t, 30*time.Second, func() bool {
		d, err := s.tc.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID(call), "")
		return err == nil && d.WorkflowExecutionInfo.GetCloseTime() != nil
	})
	err = s.env.GrantSign(ctx, ulb, today)
	wantKind(t, "closed grant", err, operations.Ended, "grant GRANT-AP-CMS-G-0001 has ended on ")
	wantUsage(t, "closed grant", err, `its final stage is "closed"`)
	wantEnded(t, "closed grant", err, "closed")
	_, err = s.env.Close(ctx, call, "late")
	wantKind(t, "completed call", err, operations.Ended, "call AP-CMS-G has ended on ")
	wantUsage(t, "completed call", err, `its final stage is "completed"`)
	wantEnded(t, "completed call", err, "completed")

	testenv.SaveHistory(t, s.tc, ulb, "grant-full")
	testenv.SaveHistory(t, s.tc, oxfam, "grant-recovery")
	testenv.SaveHistory(t, s.tc, workflows.CallWorkflowID(call), "call-decision-to-completion")
	checkAudited(t, s, ulb)
	keptPastRetention(t, s, oxfam) // last: it deletes oxfam's run from Temporal
}
