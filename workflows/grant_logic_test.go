package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/workflows"
)

const fakeGrantRef = "AP-SUD-2024-0007"

// fakeGrant: 15.000 € over 18 months, 80 % on signature and 20 % after
// the final report, due 90 days after the end; reminders 30 and 7 days
// before, escalation weekly; agreement reminders every 14 days, sign
// within 60.
func fakeGrant() workflows.GrantInput {
	return workflows.GrantInput{CallID: "AP-SUD-2024", Reference: fakeGrantRef, Amount: money.Euros(15000), DurationMonths: 18,
		Rules: workflows.GrantRules{
			Tranches:  []callspec.Tranche{{Percent: 80, On: callspec.OnSignature}, {Percent: 20, On: callspec.OnFinalReport}},
			Report:    callspec.ReportRules{DelayDays: 90, ReminderDays: []int{7, 30}, EscalateEveryDays: 7},
			Agreement: callspec.AgreementRules{RemindEveryDays: 14, DeadlineDays: 60},
		}}
}

func (f *fake) grantStatus(d time.Duration) *workflows.GrantStatus {
	s := &workflows.GrantStatus{}
	f.query(d, workflows.QueryGrant, workflows.GrantQuery{}, s)
	return s
}

// mails lists the grant mails queued, as kind/key, with their times.
func (f *fake) mails(t *testing.T) ([]string, []time.Time, []bool) {
	var kinds []string
	var at []time.Time
	var officer []bool
	for i, a := range f.all("GrantMail") {
		var in activities.GrantMailInput
		f.input("GrantMail", i, &in)
		kinds, at, officer = append(kinds, in.Kind+"/"+in.Key), append(at, a.At), append(officer, in.ToOfficer)
	}
	return kinds, at, officer
}

func since(d time.Time) time.Duration { return d.Sub(fakeStart) }

// The whole grant: agreement reminders, signature and first tranche,
// report reminders, overdue and escalation, report, final tranche capped
// at what was spent, closure and the call told.
func TestGrantLogicLifecycle(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	in := fakeGrant()
	signed := fakeStart.Add(30 * fday)
	// Months are counted on Brussels' calendar, whatever offset the date
	// arrives with: a winter signature, a summer end, the same hour.
	projectEnd := signed.In(callspec.Brussels).AddDate(0, 18, 0)
	due := projectEnd.Add(90 * fday)
	sign := f.update(30*fday, workflows.UpdateSign, workflows.SignInput{On: signed, By: "officer"})
	running := f.grantStatus(31 * fday)
	paid1 := f.update(35*fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 1, On: fakeStart.Add(35 * fday), By: "finance"})
	overdue := f.grantStatus(since(due.Add(15 * fday)))
	report := f.update(since(due.Add(15*fday+time.Hour)), workflows.UpdateReport, workflows.ReportInput{Beneficiaries: 300, Spent: money.Euros(14000), Lessons: "ok", By: "officer"})
	approve := f.update(since(due.Add(16*fday)), workflows.UpdateReview, workflows.ReviewInput{Approve: true, By: "officer"})
	closing := f.grantStatus(since(due.Add(16*fday + time.Hour)))
	paid2 := f.update(since(due.Add(17*fday)), workflows.UpdatePaid, workflows.PaidInput{Tranche: 2, On: due.Add(17 * fday), By: "finance"})
	f.run(0, workflows.GrantWorkflowName, in)

	var res workflows.GrantResult
	if err := f.env.GetWorkflowResult(&res); err != nil || res.Paid != money.Euros(14000) || res.Recovery != 0 {
		t.Fatalf("result %+v %v", res, err)
	}
	for name, u := range map[string]*upd{"sign": sign, "paid 1": paid1, "report": report, "approve": approve, "paid 2": paid2} {
		if !u.ok() {
			t.Fatalf("%s: %s", name, u)
		}
	}
	var open activities.OpenGrantInput
	f.input("OpenGrant", 0, &open)
	if open.GrantID != "GRANT-"+fakeGrantRef || !open.SignBy.Equal(fakeStart.Add(60*fday)) || len(open.Tranches) != 2 ||
		open.Tranches[0].Amount != money.Euros(12000) || open.Tranches[1].Amount != money.Euros(3000) {
		t.Fatalf("opened as %+v", open)
	}
	kinds, at, officer := f.mails(t)
	wantKinds := []string{"agreement-reminder/1", "agreement-reminder/2", "report-reminder/r0-30", "report-reminder/r0-7", "report-overdue/r0-1", "report-overdue/r0-2"}
	wantAt := []time.Time{fakeStart.Add(14 * fday), fakeStart.Add(28 * fday), due.Add(-30 * fday), due.Add(-7 * fday), due.Add(7 * fday), due.Add(14 * fday)}
	if len(kinds) != len(wantKinds) {
		t.Fatalf("mails %v at %v, want %v", kinds, at, wantKinds)
	}
	for i := range wantKinds {
		if kinds[i] != wantKinds[i] || !at[i].Equal(wantAt[i]) || officer[i] != (i >= 4) {
			t.Errorf("mail %d: %s at %s (officer %v), want %s at %s", i, kinds[i], at[i], officer[i], wantKinds[i], wantAt[i])
		}
	}
	wantNames(t, f.names(), "OpenGrant", "GrantMail", "GrantMail", "RecordGrantDates", "OrderPayment", "ConfirmPayment",
		"GrantMail", "GrantMail", "RecordGrantDates", "GrantMail", "GrantMail", "RecordReport", "ReviewReport", "OrderPayment",
		"ConfirmPayment", "CloseGrant")
	var dates activities.GrantDatesInput
	f.input("RecordGrantDates", 0, &dates)
	if dates.Status != workflows.GrantRunning || !dates.ProjectEnd.Equal(projectEnd) || !dates.Due.Equal(due) {
		t.Fatalf("dates at signature %+v", dates)
	}
	if a := f.input("RecordGrantDates", 1, &dates); dates.Status != workflows.GrantOverdue || !a.At.Equal(due) {
		t.Fatalf("dates at the due date %+v at %s", dates, a.At)
	}
	var o1, o2 activities.OrderPaymentInput
	f.input("OrderPayment", 0, &o1)
	f.input("OrderPayment", 1, &o2)
	if o1.Tranche != 1 || o1.Amount != money.Euros(12000) || o1.Kind != activities.KindPayment ||
		o2.Tranche != 2 || o2.Amount != money.Euros(2000) || o2.OrderedTotal != money.Euros(14000) {
		t.Fatalf("orders %+v / %+v; want 12.000 € then the 2.000 € still owed on 14.000 € spent", o1, o2)
	}
	var cl activities.CloseGrantInput
	f.input("CloseGrant", 0, &cl)
	if cl.Paid != money.Euros(14000) || cl.Final != money.Euros(2000) || cl.Recovery != 0 || cl.Spent != money.Euros(14000) {
		t.Fatalf("closed as %+v", cl)
	}
	if s := f.signalsNamed(workflows.SignalGrantClosed); len(s) != 1 || s[0].To != "call-AP-SUD-2024" ||
		s[0].Arg.(workflows.GrantClosedSignal) != (workflows.GrantClosedSignal{Reference: fakeGrantRef, Paid: money.Euros(14000)}) {
		t.Fatalf("call told %+v", s)
	}
	if running.Stage != workflows.GrantRunning || running.Ordered != money.Euros(12000) || running.Paid != 0 || !running.Due.Equal(due) {
		t.Errorf("after signing: %+v", running)
	}
	if overdue.Stage != workflows.GrantOverdue || overdue.Paid != money.Euros(12000) {
		t.Errorf("overdue: %+v", overdue)
	}
	if closing.Stage != workflows.GrantClosing || closing.Ordered != money.Euros(14000) {
		t.Errorf("closing: %+v", closing)
	}
}

// An unsigned agreement is chased every 14 days and the officer alerted
// once at the signing deadline; reminders go on after it.
func TestGrantLogicAgreementChasing(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	s := f.grantStatus(61 * fday)
	f.run(75*fday, workflows.GrantWorkflowName, fakeGrant())
	kinds, at, officer := f.mails(t)
	want := []struct {
		kind    string
		day     int
		officer bool
	}{{"agreement-reminder/1", 14, false}, {"agreement-reminder/2", 28, false}, {"agreement-reminder/3", 42, false},
		{"agreement-reminder/4", 56, false}, {"signature-overdue/", 60, true}, {"agreement-reminder/5", 70, false}}
	if len(kinds) != len(want) {
		t.Fatalf("mails %v at %v", kinds, at)
	}
	for i, w := range want {
		if kinds[i] != w.kind || !at[i].Equal(fakeStart.Add(time.Duration(w.day)*fday)) || officer[i] != w.officer {
			t.Errorf("mail %d: %s at %s officer %v, want %s on day %d", i, kinds[i], at[i], officer[i], w.kind, w.day)
		}
	}
	if s.Stage != workflows.GrantAgreement || f.count("OrderPayment") != 0 {
		t.Fatalf("unsigned: %s, orders %d", s.Stage, f.count("OrderPayment"))
	}
}

// A revision loops back with a new due date and its own reminders; a
// report spending less than the first tranche makes a recovery, which
// finance must confirm before the grant closes.
func TestGrantLogicRevisionAndRecovery(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	in := fakeGrant()
	in.Rules.Report.ReminderDays = []int{7}
	f.update(fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart, By: "officer"})
	f.update(2*fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 1, On: fakeStart.Add(2 * fday), By: "finance"})
	f.update(10*fday, workflows.UpdateReport, workflows.ReportInput{Spent: money.Euros(9000), Lessons: "draft", By: "officer"})
	newDue := fakeStart.Add(40 * fday)
	noNote := f.update(11*fday, workflows.UpdateReview, workflows.ReviewInput{Due: newDue, By: "officer"})
	revise := f.update(11*fday, workflows.UpdateReview, workflows.ReviewInput{Note: "add the invoices", Due: newDue, By: "officer"})
	revised := f.grantStatus(12 * fday)
	f.update(38*fday, workflows.UpdateReport, workflows.ReportInput{Spent: money.Euros(9000), Lessons: "final", By: "officer"})
	f.update(39*fday, workflows.UpdateReview, workflows.ReviewInput{Approve: true, By: "officer"})
	recovering := f.grantStatus(39*fday + time.Hour)
	got := f.update(45*fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 0, On: fakeStart.Add(45 * fday), By: "finance"})
	f.run(0, workflows.GrantWorkflowName, in)

	var res workflows.GrantResult
	if err := f.env.GetWorkflowResult(&res); err != nil || res.Paid != money.Euros(12000) || res.Recovery != money.Euros(3000) {
		t.Fatalf("result %+v %v", res, err)
	}
	if noNote.rejected == nil || !revise.ok() || !got.ok() {
		t.Fatalf("revision without a note %s, revision %s, recovery received %s", noNote, revise, got)
	}
	if revised.Stage != workflows.GrantRunning || revised.Revision != 1 || !revised.Due.Equal(newDue) {
		t.Fatalf("after the revision: %+v", revised)
	}
	kinds, at, _ := f.mails(t)
	if len(kinds) != 1 || kinds[0] != "report-reminder/r1-7" || !at[0].Equal(newDue.Add(-7*fday)) {
		t.Fatalf("mails %v at %v; want only the revision's reminder", kinds, at)
	}
	var rr activities.RecordReportInput
	f.input("RecordReport", 1, &rr)
	var rv activities.ReviewReportInput
	f.input("ReviewReport", 0, &rv)
	if rr.Revision != 1 || rv.Approve || rv.Note != "add the invoices" || !rv.NewDue.Equal(newDue) {
		t.Fatalf("second report %+v, first review %+v", rr, rv)
	}
	var o activities.OrderPaymentInput
	f.input("OrderPayment", 1, &o)
	if o.Kind != activities.KindRecovery || o.Tranche != 0 || o.Amount != money.Euros(3000) {
		t.Fatalf("recovery ordered as %+v", o)
	}
	if recovering.Stage != workflows.GrantClosing || recovering.Recovery != money.Euros(3000) {
		t.Fatalf("waiting for the recovery: %+v", recovering)
	}
	var cp activities.ConfirmPaymentInput
	f.input("ConfirmPayment", 1, &cp)
	var cl activities.CloseGrantInput
	if a := f.input("CloseGrant", 0, &cl); cp.Kind != activities.KindRecovery || cl.Recovery != money.Euros(3000) || cl.Final != 0 || !a.At.Equal(fakeStart.Add(45*fday)) {
		t.Fatalf("recovery confirmed %+v, closed %+v at %s", cp, cl, a.At)
	}
	if s := f.signalsNamed(workflows.SignalGrantClosed); len(s) != 1 || s[0].Arg.(workflows.GrantClosedSignal).Recovery != money.Euros(3000) {
		t.Fatalf("call told %+v", s)
	}
}

// Moving the end date moves the report's timers: reminders follow the new
// due date; an end date whose due date has passed makes the report overdue
// at once.
func TestGrantLogicEndDateMovesTimers(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	in := fakeGrant()
	in.DurationMonths = 1
	f.update(fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart, By: "officer"})
	// Due was start + 1 month + 90 days; moved to end at day 100 (due 190).
	end := fakeStart.Add(100 * fday)
	later := f.update(2*fday, workflows.UpdateEndDate, workflows.EndDateInput{End: end, By: "officer"})
	moved := f.grantStatus(3 * fday)
	// Then, on day 185, back to an end whose due date (day 182) has passed.
	earlier := f.update(185*fday, workflows.UpdateEndDate, workflows.EndDateInput{End: fakeStart.Add(92 * fday), By: "officer"})
	back := f.grantStatus(185*fday + time.Hour)
	f.run(188*fday, workflows.GrantWorkflowName, in)
	due := end.Add(90 * fday)
	if !later.ok() || !earlier.ok() || !moved.Due.Equal(due) || moved.Stage != workflows.GrantRunning {
		t.Fatalf("later %s, earlier %s, moved %+v", later, earlier, moved)
	}
	kinds, at, _ := f.mails(t)
	if len(kinds) != 2 || !at[0].Equal(due.Add(-30*fday)) || !at[1].Equal(due.Add(-7*fday)) {
		t.Fatalf("reminders %v at %v, want them 30 and 7 days before %s", kinds, at, due)
	}
	var d activities.GrantDatesInput
	if a := f.input("RecordGrantDates", 2, &d); d.Status != workflows.GrantOverdue || !a.At.Equal(fakeStart.Add(185*fday)) {
		t.Fatalf("dates after moving back %+v at %s", d, a.At)
	}
	if back.Stage != workflows.GrantOverdue || !back.Due.Equal(fakeStart.Add(182*fday)) {
		t.Fatalf("after moving back: %+v", back)
	}
}

// Refused grant updates run no activity.
func TestGrantLogicRefusals(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	refused := map[string]*upd{
		"sign in the future":        f.update(fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart.Add(2 * fday), By: "officer"}),
		"sign before sent":          f.update(fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart.AddDate(0, 0, -3), By: "officer"}),
		"sign without officer":      f.update(fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart}),
		"pay before any order":      f.update(fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 1, On: fakeStart, By: "finance"}),
		"no such tranche":           f.update(fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 3, On: fakeStart, By: "finance"}),
		"no recovery ordered":       f.update(fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 0, On: fakeStart, By: "finance"}),
		"report before signing":     f.update(fday, workflows.UpdateReport, workflows.ReportInput{Spent: 1, Lessons: "x", By: "officer"}),
		"review without report":     f.update(fday, workflows.UpdateReview, workflows.ReviewInput{Approve: true, By: "officer"}),
		"end date before signing":   f.update(fday, workflows.UpdateEndDate, workflows.EndDateInput{End: fakeStart.Add(fday), By: "officer"}),
		"sign twice":                f.update(3*fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart, By: "officer"}),
		"final tranche not ordered": f.update(3*fday, workflows.UpdatePaid, workflows.PaidInput{Tranche: 2, On: fakeStart, By: "finance"}),
		"report without lessons":    f.update(3*fday, workflows.UpdateReport, workflows.ReportInput{Spent: 1, By: "officer"}),
		"spent beyond reason":       f.update(3*fday, workflows.UpdateReport, workflows.ReportInput{Spent: money.Euros(150001), Lessons: "x", By: "officer"}),
		"end before the signature":  f.update(3*fday, workflows.UpdateEndDate, workflows.EndDateInput{End: fakeStart.Add(-fday), By: "officer"}),
	}
	sign := f.update(2*fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart, By: "officer"})
	f.run(4*fday, workflows.GrantWorkflowName, fakeGrant())
	for name, u := range refused {
		if u.rejected == nil {
			t.Errorf("%s: want refused, got %s", name, u)
		}
	}
	if !sign.ok() {
		t.Fatalf("sign: %s", sign)
	}
	wantNames(t, f.names(), "OpenGrant", "RecordGrantDates", "OrderPayment")
}

// An end date moved far back makes weeks of escalation due at once: one
// alert goes out, counting the weeks, and the next follows a week later —
// not one mail per missed week in the same moment.
func TestGrantLogicLateEndDateEscalatesOnce(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	in := fakeGrant()
	in.DurationMonths = 1
	f.update(fday, workflows.UpdateSign, workflows.SignInput{On: fakeStart, By: "officer"})
	f.update(2*fday, workflows.UpdateEndDate, workflows.EndDateInput{End: fakeStart.Add(1000 * fday), By: "officer"})
	// At day 400, the project is said to have ended on day 40 after all:
	// due on day 130, 270 days (38 full weeks) ago.
	moved := f.update(400*fday, workflows.UpdateEndDate, workflows.EndDateInput{End: fakeStart.Add(40 * fday), By: "officer"})
	f.run(405*fday, workflows.GrantWorkflowName, in)
	if !moved.ok() {
		t.Fatalf("end date: %s", moved)
	}
	kinds, at, _ := f.mails(t)
	var overdue []string
	var when []time.Duration
	for i, k := range kinds {
		if strings.HasPrefix(k, "report-overdue/") {
			overdue, when = append(overdue, k), append(when, since(at[i]))
		}
	}
	due := fakeStart.Add(130 * fday)
	if len(overdue) != 2 || when[0] != 400*fday || !fakeStart.Add(when[1]).Equal(due.Add(39*7*fday)) {
		t.Fatalf("escalations %v at %v (days), want one at day 400 and the next at the 39th week after the due date", overdue, when)
	}
}
