package workflows_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
)

const grantRef = "AP-SUD-2024-0007"

// grantHarness stores a call and one approved application, as the call's
// decision leaves them, and runs a grant workflow on it.
func grantHarness(t *testing.T) (*harness, workflows.GrantInput, *[]workflows.GrantClosedSignal) {
	h := newHarness(t)
	ctx := context.Background()
	cfg, _ := json.Marshal(h.call)
	if _, err := h.db.Exec(ctx, `INSERT INTO calls (call_id, kind, year, title, config, launched_at)
		VALUES ('AP-SUD-2024', 'sud', 2024, 'Appel Sud', $1, now())`, cfg); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO applicants (name, name_key) VALUES ('Twende', 'twende')`,
		`INSERT INTO applications (reference, call_id, seq, applicant_id, title, dup_key, region, amount_cents, summary, duration_months,
			contact_name, email, language, iban, submitted_at, eligible, decision, granted_cents)
		 SELECT 'AP-SUD-2024-0007', 'AP-SUD-2024', 7, applicant_id, 'Objectif Zéro Plastique', 'k', 'Ville-Province de Kinshasa', 1500000,
			's', 18, 'Jean', 'jean@twende.example', 'nl', 'BE68539007547034', now(), true, 'granted', 1500000 FROM applicants`,
	} {
		if _, err := h.db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var closed []workflows.GrantClosedSignal
	h.env.OnSignalExternalWorkflow(mock.Anything, workflows.CallWorkflowID("AP-SUD-2024"), "", workflows.SignalGrantClosed, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			closed = append(closed, arg.(workflows.GrantClosedSignal))
			return nil
		})
	in := workflows.GrantInput{CallID: "AP-SUD-2024", Reference: grantRef, Amount: money.Euros(15000), DurationMonths: 18,
		Rules: workflows.GrantRules{
			Tranches:  []callspec.Tranche{{Percent: 80, On: callspec.OnSignature}, {Percent: 20, On: callspec.OnFinalReport}},
			Report:    callspec.ReportRules{DelayDays: 90, ReminderDays: []int{30, 7}, EscalateEveryDays: 7},
			Agreement: callspec.AgreementRules{RemindEveryDays: 14, DeadlineDays: 60},
		}}
	return h, in, &closed
}

// grantUpdate sends an update to the grant at virtual time at.
func (h *harness) grantUpdate(at time.Duration, name string, arg any, out *outcome) {
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { out.rejected, out.done = err, true }, OnAccept: func() {},
			OnComplete: func(_ any, err error) { out.err, out.done = err, true },
		}, arg)
	}, at)
}

func (h *harness) grantStatus(at time.Duration, into *workflows.GrantStatus) {
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryGrant, workflows.GrantQuery{})
		if err == nil {
			_ = v.Get(into)
		}
	}, at)
}

func (h *harness) ledger() map[string]int64 {
	rows, _ := h.db.Query(context.Background(), `SELECT kind || ':' || tranche, amount_cents FROM ledger`)
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		_ = rows.Scan(&k, &v)
		out[k] = v
	}
	return out
}

func at(d time.Time) time.Duration { return d.Sub(start) }

func TestGrantOverTwoYears(t *testing.T) {
	t.Parallel()
	h, in, closed := grantHarness(t)
	var sign, paid1, early, report1, revise, report2, approve, paid2 outcome
	var running, overdue, review, closing, final workflows.GrantStatus
	signed := start.AddDate(0, 0, 20)
	due := signed.AddDate(0, 18, 0).Add(90 * day) // project end + 90 days
	h.grantUpdate(20*day, workflows.UpdateSign, workflows.SignInput{On: signed, By: "officer"}, &sign)
	h.grantUpdate(30*day, workflows.UpdatePaid, workflows.PaidInput{Tranche: 1, On: start.AddDate(0, 0, 29), By: "finance"}, &paid1)
	h.grantUpdate(31*day, workflows.UpdatePaid, workflows.PaidInput{Tranche: 2, On: start.AddDate(0, 0, 30), By: "finance"}, &early)
	h.grantStatus(40*day, &running)
	h.grantStatus(at(due)+22*day, &overdue)
	h.grantUpdate(at(due)+22*day+time.Hour, workflows.UpdateReport, workflows.ReportInput{Beneficiaries: 420, Spent: money.Euros(15000), Lessons: "Tri à la source.", By: "officer"}, &report1)
	h.grantStatus(at(due)+23*day, &review)
	newDue := due.Add(60 * day)
	h.grantUpdate(at(due)+24*day, workflows.UpdateReview, workflows.ReviewInput{Note: "Joindre les pièces justificatives", Due: newDue, By: "officer"}, &revise)
	h.grantUpdate(at(newDue)-2*day, workflows.UpdateReport, workflows.ReportInput{Beneficiaries: 420, Spent: money.Euros(15500), Lessons: "Avec pièces.", By: "officer"}, &report2)
	h.grantUpdate(at(newDue)-day, workflows.UpdateReview, workflows.ReviewInput{Approve: true, By: "officer"}, &approve)
	h.grantStatus(at(newDue)-day+time.Hour, &closing)
	h.grantUpdate(at(newDue), workflows.UpdatePaid, workflows.PaidInput{Tranche: 2, On: newDue.Add(-time.Hour), By: "finance"}, &paid2)
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryGrant, workflows.GrantQuery{})
		if err == nil {
			_ = v.Get(&final)
		}
	}, at(newDue)+time.Minute)
	h.env.ExecuteWorkflow(workflows.GrantWorkflowName, in)

	for name, o := range map[string]outcome{"sign": sign, "paid 1": paid1, "report 1": report1, "revise": revise, "report 2": report2, "approve": approve, "paid 2": paid2} {
		if o.err != nil || o.rejected != nil || !o.done {
			t.Errorf("%s: %+v", name, o)
		}
	}
	if early.rejected == nil {
		t.Error("confirming a tranche that was not ordered must be refused")
	}
	if running.Stage != workflows.GrantRunning || running.Ordered != money.Euros(12000) || running.Paid != money.Euros(12000) {
		t.Errorf("after signature: %+v", running)
	}
	if overdue.Stage != workflows.GrantOverdue || review.Stage != workflows.GrantReview || closing.Stage != workflows.GrantClosing {
		t.Errorf("stages: %s %s %s", overdue.Stage, review.Stage, closing.Stage)
	}
	var res workflows.GrantResult
	if err := h.env.GetWorkflowResult(&res); err != nil || res.Paid != money.Euros(15000) || res.Recovery != 0 {
		t.Fatalf("result %+v %v", res, err)
	}
	if l := h.ledger(); len(l) != 2 || l["payment:1"] != 1200000 || l["payment:2"] != 300000 {
		t.Fatalf("ledger %v", l)
	}
	want := map[string]int{"agreement": 1, "agreement-reminder": 1, "payment": 2, "report-reminder": 4, "report-overdue": 3,
		"report-revision": 1, "closure": 1}
	for kind, n := range want {
		if got := h.mails(kind); got != n {
			t.Errorf("%s mails: %d, want %d", kind, got, n)
		}
	}
	if len(*closed) != 1 || (*closed)[0].Paid != money.Euros(15000) {
		t.Fatalf("the call must be told once: %+v", *closed)
	}
	var status string
	_ = h.db.QueryRow(context.Background(), `SELECT status FROM grants`).Scan(&status)
	if status != "closed" {
		t.Fatalf("grants.status %q", status)
	}
}

func TestGrantRecovery(t *testing.T) {
	t.Parallel()
	h, in, closed := grantHarness(t)
	var sign, paid1, report, approve, recovered outcome
	h.grantUpdate(day, workflows.UpdateSign, workflows.SignInput{On: start, By: "officer"}, &sign)
	h.grantUpdate(2*day, workflows.UpdatePaid, workflows.PaidInput{Tranche: 1, On: start.Add(day), By: "finance"}, &paid1)
	h.grantUpdate(400*day, workflows.UpdateReport, workflows.ReportInput{Beneficiaries: 10, Spent: money.Euros(7500), Lessons: "Projet réduit.", By: "officer"}, &report)
	h.grantUpdate(401*day, workflows.UpdateReview, workflows.ReviewInput{Approve: true, By: "officer"}, &approve)
	h.grantUpdate(420*day, workflows.UpdatePaid, workflows.PaidInput{Tranche: 0, On: start.Add(419 * day), By: "finance"}, &recovered)
	h.env.ExecuteWorkflow(workflows.GrantWorkflowName, in)
	var res workflows.GrantResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	// Paid 12.000 € at signature, spent 7.500 €: recover 4.500 €, no final tranche.
	if res.Recovery != money.Euros(4500) || res.Paid != money.Euros(12000) {
		t.Fatalf("result %+v", res)
	}
	if l := h.ledger(); len(l) != 2 || l["recovery:0"] != 450000 {
		t.Fatalf("ledger %v", l)
	}
	if len(*closed) != 1 || (*closed)[0].Recovery != money.Euros(4500) {
		t.Fatalf("call told: %+v", *closed)
	}
}

// Moving the project's end moves the report timers.
func TestGrantEndDateMovesTimers(t *testing.T) {
	t.Parallel()
	h, in, _ := grantHarness(t)
	var sign, move, bad outcome
	var before, after workflows.GrantStatus
	h.grantUpdate(day, workflows.UpdateSign, workflows.SignInput{On: start, By: "officer"}, &sign)
	h.grantStatus(2*day, &before)
	newEnd := start.AddDate(0, 6, 0)
	h.grantUpdate(3*day, workflows.UpdateEndDate, workflows.EndDateInput{End: newEnd, By: "officer"}, &move)
	h.grantUpdate(3*day, workflows.UpdateEndDate, workflows.EndDateInput{End: start.Add(-day), By: "officer"}, &bad)
	h.grantStatus(at(newEnd)+91*day, &after)
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, at(newEnd)+92*day)
	h.env.ExecuteWorkflow(workflows.GrantWorkflowName, in)
	if move.err != nil || move.rejected != nil || bad.rejected == nil {
		t.Fatalf("%+v %+v", move, bad)
	}
	if !before.Due.Equal(before.ProjectEnd.Add(90*day)) || after.Stage != workflows.GrantOverdue || !after.Due.Equal(newEnd.Add(90*day)) {
		t.Fatalf("before %s/%s, after %s due %s", before.ProjectEnd, before.Due, after.Stage, after.Due)
	}
	if h.mails("report-reminder") != 2 || h.mails("report-overdue") != 0 {
		t.Fatalf("reminders %d, escalations %d", h.mails("report-reminder"), h.mails("report-overdue"))
	}
}
