package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/mailtemplates"
	"go.temporal.io/sdk/workflow"
)

// GrantWorkflow runs one grant from the agreement to its closure: chasing
// the signature, ordering tranche payments, waiting for the final report
// (reminders before the due date, weekly escalation after), the review
// loop, and the final payment or recovery. It never consults the
// government: payments of committed grants continue in caretaker mode.
func GrantWorkflow(ctx workflow.Context, in GrantInput) (GrantResult, error) {
	// A continued run was opened by an earlier one.
	g := &grantWF{in: in, st: in.State, id: GrantWorkflowID(in.Reference), opened: in.State != nil}
	// Runs recorded before grant-local ran every write as an activity
	// (three events and a workflow-task round trip each) and delivered
	// every mail through a scheduled activity; they replay that way.
	g.local = workflow.GetVersion(ctx, VersionGrantLocal, workflow.DefaultVersion, 1) == 1
	if g.st == nil {
		g.st = &GrantState{Stage: GrantAgreement}
		amounts := money.Split(in.Amount, trancheWeights(in.Rules.Tranches))
		for i, t := range in.Rules.Tranches {
			g.st.Tranches = append(g.st.Tranches, TrancheState{Percent: t.Percent, On: t.On, Amount: amounts[i]})
		}
	}
	g.st.Updates = 0
	if err := g.register(ctx); err != nil {
		return GrantResult{}, err
	}
	// The last run's delivery (fire and forget) ended with it, perhaps
	// while retrying mails held by a worker that died: deliver again.
	if g.opened {
		g.deliver(ctx)
	}
	if g.st.AgreementSent.IsZero() {
		g.st.AgreementSent = workflow.Now(ctx)
		err := g.exec(ctx, act.OpenGrant, activities.OpenGrantInput{GrantID: g.id, CallID: in.CallID, Reference: in.Reference,
			Amount: in.Amount, Tranches: g.st.Tranches, SignBy: g.signBy(), At: g.st.AgreementSent})
		if err != nil {
			return GrantResult{}, err
		}
		g.deliver(ctx)
	}
	g.opened = true
	g.publish(ctx)
	for g.st.Stage != GrantClosed {
		at, alarm := g.nextAlarm()
		g.wake = false
		cond := func() bool {
			return g.wake || g.st.Updates >= DefaultMaxUpdatesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}
		if err := g.awaitAlarm(ctx, at, alarm != nil, cond); err != nil {
			return GrantResult{}, err
		}
		if g.st.Updates >= DefaultMaxUpdatesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return GrantResult{}, err
			}
			in.State = g.st
			return GrantResult{}, workflow.NewContinueAsNewError(ctx, GrantWorkflow, in)
		}
		if alarm != nil && !workflow.Now(ctx).Before(at) && g.busy == 0 {
			if err := alarm(ctx); err != nil {
				return GrantResult{}, err
			}
			g.publish(ctx)
		}
		if g.st.Stage == GrantClosing && g.allPaid() && g.busy == 0 {
			if err := g.close(ctx); err != nil {
				return GrantResult{}, err
			}
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return GrantResult{}, err
	}
	return GrantResult{Paid: g.ordered(), Recovery: g.st.Recovery}, nil
}

type grantWF struct {
	in     GrantInput
	st     *GrantState
	id     string
	wake   bool
	busy   int  // handlers in the middle of a change
	opened bool // the grant's row exists (OpenGrant done)
	local  bool // VersionGrantLocal: short writes and first deliveries are local activities

	// The alarm's timer, kept across updates that do not move it.
	timer       workflow.Future
	timerAt     time.Time
	cancelTimer workflow.CancelFunc
}

// awaitAlarm waits for cond or the alarm's time. The timer is kept while
// the alarm's time does not move (most updates do not move it) and
// cancelled when it does, so a stale timer never wakes the grant later.
// A due alarm while a handler is mid-change waits for it to finish.
func (g *grantWF) awaitAlarm(ctx workflow.Context, at time.Time, hasAlarm bool, cond func() bool) error {
	if !hasAlarm {
		g.stopTimer(ctx)
		return workflow.Await(ctx, cond)
	}
	wait := at.Sub(workflow.Now(ctx))
	if wait <= 0 {
		g.stopTimer(ctx)
		if g.busy == 0 {
			return nil
		}
		return workflow.Await(ctx, func() bool { return g.busy == 0 || cond() })
	}
	if g.timer == nil || !g.timerAt.Equal(at) {
		g.stopTimer(ctx)
		tctx, cancel := workflow.WithCancel(ctx)
		g.timer, g.timerAt, g.cancelTimer = workflow.NewTimer(tctx, wait), at, cancel
	}
	t := g.timer
	if err := workflow.Await(ctx, func() bool { return cond() || t.IsReady() }); err != nil {
		return err
	}
	if t.IsReady() {
		// Fired: the alarm runs now. Releasing its context emits nothing
		// (the timer is done) and keeps a years-long run from holding one
		// per reminder.
		g.cancelTimer()
		g.timer = nil
	}
	return nil
}

// stopTimer drops the alarm's timer, cancelling it only while it is still
// ahead: one that is due has fired or is about to, and cancelling it then
// would race its TimerFired event.
func (g *grantWF) stopTimer(ctx workflow.Context) {
	if g.timer != nil && g.timerAt.After(workflow.Now(ctx)) {
		g.cancelTimer()
	}
	g.timer = nil
}

func trancheWeights(ts []callspec.Tranche) []int {
	w := make([]int, len(ts))
	for i, t := range ts {
		w[i] = t.Percent
	}
	return w
}

func (g *grantWF) days(n int) time.Duration {
	return callspec.Call{TimeScale: g.in.Rules.TimeScale}.Days(n)
}

func (g *grantWF) signBy() time.Time {
	return g.st.AgreementSent.Add(g.days(g.in.Rules.Agreement.DeadlineDays))
}

// projectEnd: the application's duration after the signature (months of
// 30 days when time is compressed).
func (g *grantWF) projectEnd(signed time.Time) time.Time {
	if g.in.Rules.TimeScale > 1 {
		return signed.Add(g.days(30 * g.in.DurationMonths))
	}
	// Months are counted on Brussels' calendar: a date that arrives with
	// a fixed winter offset would otherwise put a summer end an hour off.
	return signed.In(callspec.Brussels).AddDate(0, g.in.DurationMonths, 0)
}

// nextAlarm is the next timed action of the current stage, or nil.
func (g *grantWF) nextAlarm() (time.Time, func(workflow.Context) error) {
	switch g.st.Stage {
	case GrantAgreement:
		remind := g.st.AgreementSent.Add(g.days(g.in.Rules.Agreement.RemindEveryDays * (g.st.Reminders + 1)))
		if !g.st.Alerted && !g.signBy().After(remind) {
			return g.signBy(), g.alertSignature
		}
		return remind, g.remindSignature
	case GrantRunning:
		// Reminders before the due date, closest offset last.
		offsets := slices.Clone(g.in.Rules.Report.ReminderDays)
		slices.Sort(offsets)
		slices.Reverse(offsets)
		for _, d := range offsets {
			if !slices.Contains(g.st.RemindersDone, d) {
				d := d
				return g.st.Due.Add(-g.days(d)), func(ctx workflow.Context) error { return g.remindReport(ctx, d) }
			}
		}
		return g.st.Due, g.becomeOverdue
	case GrantOverdue:
		return g.st.Due.Add(g.days(g.in.Rules.Report.EscalateEveryDays * (g.st.Escalations + 1))), g.escalate
	}
	return time.Time{}, nil
}

func (g *grantWF) remindSignature(ctx workflow.Context) error {
	g.st.Reminders++
	return g.mail(ctx, fmt.Sprint(g.st.Reminders), false, &mailtemplates.AgreementReminder{
		SignBy: dayFR(g.signBy()), Count: g.st.Reminders})
}

func (g *grantWF) alertSignature(ctx workflow.Context) error {
	g.st.Alerted = true
	return g.mail(ctx, "", true, &mailtemplates.SignatureOverdue{
		SignBy: dayFR(g.signBy()), Days: int(workflow.Now(ctx).Sub(g.st.AgreementSent) / (24 * time.Hour))})
}

func (g *grantWF) remindReport(ctx workflow.Context, d int) error {
	g.st.RemindersDone = append(g.st.RemindersDone, d)
	if workflow.Now(ctx).After(g.st.Due.Add(-g.days(d)).Add(g.days(1))) {
		return nil // the due date moved past this reminder; skip it
	}
	return g.mail(ctx, fmt.Sprintf("r%d-%d", g.st.Revision, d), false, &mailtemplates.ReportReminder{
		DueDate: dayFR(g.st.Due), DaysLeft: d})
}

func (g *grantWF) becomeOverdue(ctx workflow.Context) error {
	g.st.Stage, g.st.Escalations = GrantOverdue, 0
	return g.dates(ctx)
}

func (g *grantWF) escalate(ctx workflow.Context) error {
	// A due date moved far into the past (a new end date) makes several
	// periods due at once: one alert says how late it is, instead of one
	// mail per missed week in the same moment.
	if every := g.days(g.in.Rules.Report.EscalateEveryDays); every > 0 {
		if n := int(workflow.Now(ctx).Sub(g.st.Due) / every); n > g.st.Escalations+1 {
			g.st.Escalations = n - 1
		}
	}
	g.st.Escalations++
	return g.mail(ctx, fmt.Sprintf("r%d-%d", g.st.Revision, g.st.Escalations), true, &mailtemplates.ReportOverdue{
		DueDate: dayFR(g.st.Due), Count: g.st.Escalations,
		DaysLate: int(workflow.Now(ctx).Sub(g.st.Due) / (24 * time.Hour))})
}

// mail queues a grant mail; its data is in the history (see
// activities.GrantMailInput), the applicant's names are not.
func (g *grantWF) mail(ctx workflow.Context, key string, officer bool, data mailtemplates.GrantData) error {
	if err := g.exec(ctx, act.GrantMail, activities.NewGrantMailInput(g.id, key, officer, data)); err != nil {
		return err
	}
	g.deliver(ctx)
	return nil
}

// deliver sends the grant's queued mails. Under VersionGrantLocal it
// first tries at once, in the workflow task that queued them (one short
// attempt, a marker in the history); whatever that leaves (relay down,
// mails held by another attempt, a timeout) goes to the durable delivery,
// a scheduled activity retried for as long as it takes, which does not
// block the grant.
func (g *grantWF) deliver(ctx workflow.Context) {
	in := activities.DeliverMailInput{CallID: g.in.CallID, Reference: g.in.Reference}
	if g.local {
		lctx := workflow.WithLocalActivityOptions(ctx, mailNowOptions)
		if err := workflow.ExecuteLocalActivity(lctx, act.DeliverMail, in).Get(ctx, nil); err == nil {
			return
		}
	}
	workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, mailOptions), act.DeliverMail, in)
}

// exec runs one of the grant's PostgreSQL writes. They are short and
// idempotent (UNIQUE business keys), so under VersionGrantLocal they are
// local activities: a marker instead of three events, and no round trip
// through the server between an update and its result.
func (g *grantWF) exec(ctx workflow.Context, fn any, in any) error {
	if g.local {
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, dbLocalOptions), fn, in).Get(ctx, nil)
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, dbOptions), fn, in).Get(ctx, nil)
}

func (g *grantWF) dates(ctx workflow.Context) error {
	return g.exec(ctx, act.RecordGrantDates, activities.GrantDatesInput{GrantID: g.id, Status: g.st.Stage,
		SignedOn: g.st.SignedOn, ProjectEnd: g.st.ProjectEnd, Due: g.st.Due})
}

func (g *grantWF) ordered() money.Cents {
	var t money.Cents
	for _, tr := range g.st.Tranches {
		t += tr.Ordered
	}
	return t
}

func (g *grantWF) allPaid() bool {
	for _, tr := range g.st.Tranches {
		if tr.Ordered > 0 && tr.PaidOn.IsZero() {
			return false
		}
	}
	return g.st.Recovery == 0 || !g.st.RecoveryPaidOn.IsZero()
}

// order sends a payment order for tranche i (0-based) of amount.
func (g *grantWF) order(ctx workflow.Context, i int, amount money.Cents) error {
	g.st.Tranches[i].Ordered = amount
	return g.exec(ctx, act.OrderPayment, activities.OrderPaymentInput{GrantID: g.id, Tranche: i + 1, TrancheCount: len(g.st.Tranches),
		Percent: g.st.Tranches[i].Percent, Kind: activities.KindPayment, Amount: amount, OrderedTotal: g.ordered(),
		Granted: g.in.Amount, At: workflow.Now(ctx)})
}

// close: every order executed; record the account, tell the applicant,
// tell the call.
func (g *grantWF) close(ctx workflow.Context) error {
	final := money.Cents(0)
	for _, tr := range g.st.Tranches {
		if tr.On == callspec.OnFinalReport {
			final += tr.Ordered
		}
	}
	err := g.exec(ctx, act.CloseGrant, activities.CloseGrantInput{GrantID: g.id, Granted: g.in.Amount, Paid: g.ordered(),
		Spent: g.st.Spent, Final: final, Recovery: g.st.Recovery, At: workflow.Now(ctx)})
	if err != nil {
		return err
	}
	g.deliver(ctx)
	g.st.Stage = GrantClosed
	g.publish(ctx)
	// The call counts its closed grants; if it is gone there is no one to tell.
	_ = workflow.SignalExternalWorkflow(ctx, CallWorkflowID(g.in.CallID), "", SignalGrantClosed,
		GrantClosedSignal{Reference: g.in.Reference, Paid: g.ordered(), Recovery: g.st.Recovery}).Get(ctx, nil)
	return nil
}

func (g *grantWF) status() GrantStatus {
	s := GrantStatus{GrantID: g.id, CallID: g.in.CallID, Reference: g.in.Reference, Stage: g.st.Stage, Amount: g.in.Amount,
		Ordered: g.ordered(), Recovery: g.st.Recovery, SignedOn: g.st.SignedOn, ProjectEnd: g.st.ProjectEnd, Due: g.st.Due,
		Tranches: g.st.Tranches, Revision: g.st.Revision}
	for _, tr := range g.st.Tranches {
		if !tr.PaidOn.IsZero() {
			s.Paid += tr.Ordered
		}
	}
	switch g.st.Stage {
	case GrantAgreement:
		s.WaitingFor = "the signed agreement (sign by " + day(g.signBy()) + ")"
	case GrantRunning:
		s.WaitingFor = "the final report, due " + day(g.st.Due)
	case GrantOverdue:
		s.WaitingFor = fmt.Sprintf("the final report, overdue since %s (%d escalations)", day(g.st.Due), g.st.Escalations)
	case GrantReview:
		s.WaitingFor = "the officer's review of the final report"
	case GrantClosing:
		s.WaitingFor = "finance: confirmation of the last payment or recovery"
	case GrantClosed:
		s.WaitingFor = "nothing: closed"
	}
	if waiting := g.st.Approvals.Waiting(); waiting != "" {
		s.WaitingFor = waiting + "; " + s.WaitingFor
	}
	s.Approvals = g.st.Approvals
	return s
}

func (g *grantWF) publish(ctx workflow.Context) {
	if !g.searchAttributesCurrent(ctx) {
		_ = workflow.UpsertTypedSearchAttributes(ctx, SACallID.ValueSet(g.in.CallID), SAGrantID.ValueSet(g.id), SAGrantStage.ValueSet(g.st.Stage))
	}
	s := g.status()
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**Stage:** %s  \n**Waiting for:** %s  \n**Granted:** %s, ordered %s, paid %s",
		s.Stage, s.WaitingFor, s.Amount, s.Ordered, s.Paid))
}

// searchAttributesCurrent: the grant's search attributes already say what
// an upsert would (set at start, or by an earlier upsert). An upsert is a
// history event and a visibility write on the server; most updates (a
// payment confirmed, a date moved) do not change the stage.
func (g *grantWF) searchAttributesCurrent(ctx workflow.Context) bool {
	sa := workflow.GetTypedSearchAttributes(ctx)
	call, _ := sa.GetKeyword(SACallID)
	id, _ := sa.GetKeyword(SAGrantID)
	stage, _ := sa.GetKeyword(SAGrantStage)
	return call == g.in.CallID && id == g.id && stage == g.st.Stage
}

func dayFR(t time.Time) string { return t.In(callspec.Brussels).Format("02/01/2006") }
