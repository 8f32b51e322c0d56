package workflows

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"go.temporal.io/sdk/workflow"
)

func (g *grantWF) register(ctx workflow.Context) error {
	return errors.Join(
		workflow.SetQueryHandler(ctx, QueryGrant, func(GrantQuery) (GrantStatus, error) { return g.status(), nil }),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateSign, g.sign, workflow.UpdateHandlerOptions{Validator: g.validateSign}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdatePaid, g.paid, workflow.UpdateHandlerOptions{Validator: g.validatePaid}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateEndDate, g.endDate, workflow.UpdateHandlerOptions{Validator: g.validateEndDate}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateReport, g.report, workflow.UpdateHandlerOptions{Validator: g.validateReport}),
		workflow.SetUpdateHandlerWithOptions(ctx, UpdateReview, g.review, workflow.UpdateHandlerOptions{Validator: g.validateReview}),
		fourEyes(ctx, &g.st.Approvals, map[string]approvable{
			UpdateSign:    approvableOf(g.validateSign, g.sign),
			UpdatePaid:    approvableOf(g.validatePaid, g.paid),
			UpdateEndDate: approvableOf(g.validateEndDate, g.endDate),
			UpdateReport:  approvableOf(g.validateReport, g.report),
			UpdateReview:  approvableOf(g.validateReview, g.review),
		}, g.publish),
	)
}

// change runs a handler's change with the grant marked busy, so the alarm
// loop does not act on a half-changed state, and releases it however fn
// returns (a forgotten release would stop the alarms for good). On
// success the loop is woken and the new state published.
func (g *grantWF) change(ctx workflow.Context, fn func() error) (GrantChangeResult, error) {
	g.st.Updates++
	g.busy++
	defer func() { g.busy-- }()
	if err := fn(); err != nil {
		return GrantChangeResult{}, err
	}
	g.wake = true
	g.publish(ctx)
	return GrantChangeResult{Status: g.status()}, nil
}

// waitOpened: an update that arrives before the grant's row is written
// (right after the call started it) waits for it, instead of recording
// dates and payments against a row that does not exist yet.
func (g *grantWF) waitOpened(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return g.opened })
}

func (g *grantWF) validateSign(ctx workflow.Context, in SignInput) error {
	if g.st.Stage != GrantAgreement {
		return wrongStage("%s: the agreement was already signed on %s", g.id, day(g.st.SignedOn))
	}
	if in.On.IsZero() || in.On.After(workflow.Now(ctx)) {
		return refuse("on", "the signature date is required and cannot be in the future")
	}
	if day(in.On) < day(g.st.AgreementSent) {
		return refuse("on", fmt.Sprintf("%s is before the agreement was sent (%s)", day(in.On), day(g.st.AgreementSent)))
	}
	return officer(in.By)
}

// sign starts the project: its end and report due date follow from the
// signature, and the tranches due on signature are ordered.
func (g *grantWF) sign(ctx workflow.Context, in SignInput) (GrantChangeResult, error) {
	return g.change(ctx, func() error {
		if err := g.waitOpened(ctx); err != nil {
			return err
		}
		g.st.Stage, g.st.SignedOn = GrantRunning, in.On
		// The project runs from the signature; with compressed time, from now
		// (a past date would put a compressed end in the past).
		base := in.On
		if g.in.Rules.TimeScale > 1 {
			base = workflow.Now(ctx)
		}
		g.st.ProjectEnd = g.projectEnd(base)
		g.st.Due = g.st.ProjectEnd.Add(g.days(g.in.Rules.Report.DelayDays))
		if err := g.dates(ctx); err != nil {
			return err
		}
		for i, tr := range g.st.Tranches {
			if tr.On == callspec.OnSignature {
				if err := g.order(ctx, i, tr.Amount); err != nil {
					return err
				}
			}
		}
		g.deliver(ctx)
		return nil
	})
}

func (g *grantWF) validatePaid(ctx workflow.Context, in PaidInput) error {
	if in.On.IsZero() || in.On.After(workflow.Now(ctx)) {
		return refuse("on", "the execution date is required and cannot be in the future")
	}
	if in.Tranche == 0 {
		switch {
		case g.st.Recovery == 0:
			return rejected(g.id + ": no recovery was ordered")
		case !g.st.RecoveryPaidOn.IsZero():
			return rejected(g.id + ": the recovery was already received on " + day(g.st.RecoveryPaidOn))
		}
		return officer(in.By)
	}
	if in.Tranche < 1 || in.Tranche > len(g.st.Tranches) {
		return rejected(fmt.Sprintf("tranche: want 1 to %d (or 0 for a recovery), got %d", len(g.st.Tranches), in.Tranche))
	}
	tr := g.st.Tranches[in.Tranche-1]
	switch {
	case tr.Ordered == 0:
		return rejected(fmt.Sprintf("%s: tranche %d has not been ordered", g.id, in.Tranche))
	case !tr.PaidOn.IsZero():
		return rejected(fmt.Sprintf("%s: tranche %d was already paid on %s", g.id, in.Tranche, day(tr.PaidOn)))
	}
	return officer(in.By)
}

func (g *grantWF) paid(ctx workflow.Context, in PaidInput) (GrantChangeResult, error) {
	return g.change(ctx, func() error {
		kind, tranche := activities.KindPayment, in.Tranche
		if in.Tranche == 0 {
			kind = activities.KindRecovery
		}
		err := g.exec(ctx, act.ConfirmPayment, activities.ConfirmPaymentInput{GrantID: g.id, Tranche: tranche, Kind: kind, PaidOn: in.On, By: in.By})
		if err != nil {
			return err
		}
		if in.Tranche == 0 {
			g.st.RecoveryPaidOn = in.On
		} else {
			g.st.Tranches[in.Tranche-1].PaidOn = in.On
		}
		return nil
	})
}

func (g *grantWF) validateEndDate(ctx workflow.Context, in EndDateInput) error {
	if g.st.Stage != GrantRunning && g.st.Stage != GrantOverdue {
		return wrongStage("%s is at stage %q; the end date moves while the project runs", g.id, g.st.Stage)
	}
	if !in.End.After(g.st.SignedOn) {
		return rejected("the end date must be after the signature (" + day(g.st.SignedOn) + ")")
	}
	return officer(in.By)
}

// endDate moves the project's end: the due date, reminders and
// escalations are recomputed from it.
func (g *grantWF) endDate(ctx workflow.Context, in EndDateInput) (GrantChangeResult, error) {
	return g.change(ctx, func() error {
		g.st.ProjectEnd = in.End
		g.st.Due = in.End.Add(g.days(g.in.Rules.Report.DelayDays))
		g.st.RemindersDone, g.st.Escalations = nil, 0
		g.st.Stage = GrantRunning
		if !workflow.Now(ctx).Before(g.st.Due) {
			g.st.Stage = GrantOverdue
		}
		if err := g.dates(ctx); err != nil {
			return err
		}
		return nil
	})
}

// MaxLessonsLen bounds the "lessons learned" text of a report.
const MaxLessonsLen = 5000

func (g *grantWF) validateReport(_ workflow.Context, in ReportInput) error {
	if g.st.Stage != GrantRunning && g.st.Stage != GrantOverdue {
		return wrongStage("%s is at stage %q; a final report is received once the agreement is signed, and once per revision", g.id, g.st.Stage)
	}
	var why []FieldProblem
	if in.Beneficiaries < 0 || in.Beneficiaries > 10_000_000 {
		why = append(why, FieldProblem{"beneficiaries", fmt.Sprintf("want 0 to 10.000.000, got %d", in.Beneficiaries)})
	}
	if in.Spent < 0 || in.Spent > 10*g.in.Amount {
		why = append(why, FieldProblem{"spent", fmt.Sprintf("want 0 to %s, got %s", 10*g.in.Amount, in.Spent)})
	}
	if l := strings.TrimSpace(in.Lessons); l == "" || utf8.RuneCountInString(l) > MaxLessonsLen || !utf8.ValidString(l) {
		why = append(why, FieldProblem{"lessons", fmt.Sprintf("required, at most %d characters", MaxLessonsLen)})
	}
	if err := joinWhy(why...); err != nil {
		return err
	}
	return officer(in.By)
}

func (g *grantWF) report(ctx workflow.Context, in ReportInput) (GrantChangeResult, error) {
	return g.change(ctx, func() error {
		err := g.exec(ctx, act.RecordReport, activities.RecordReportInput{GrantID: g.id, Revision: g.st.Revision,
			Beneficiaries: in.Beneficiaries, Spent: in.Spent, Lessons: strings.TrimSpace(in.Lessons), By: in.By, At: workflow.Now(ctx)})
		if err != nil {
			return err
		}
		g.st.Stage, g.st.Spent, g.st.Beneficiaries = GrantReview, in.Spent, in.Beneficiaries
		return nil
	})
}

func (g *grantWF) validateReview(ctx workflow.Context, in ReviewInput) error {
	if g.st.Stage != GrantReview {
		return wrongStage("%s is at stage %q; there is no report to review", g.id, g.st.Stage)
	}
	if !in.Approve {
		note := strings.TrimSpace(in.Note)
		if note == "" || strings.ContainsAny(note, "\r\n") || utf8.RuneCountInString(note) > MaxReasonLen {
			return refuse("revise", fmt.Sprintf("say what to revise (one line, at most %d characters); the applicant receives it", MaxReasonLen))
		}
		if !in.Due.After(workflow.Now(ctx)) {
			return refuse("due", "a revision needs a new due date in the future")
		}
	}
	return officer(in.By)
}

// review approves the report (final payment or recovery, then closure
// once finance confirms) or loops back with a new due date.
func (g *grantWF) review(ctx workflow.Context, in ReviewInput) (GrantChangeResult, error) {
	return g.change(ctx, func() error {
		err := g.exec(ctx, act.ReviewReport, activities.ReviewReportInput{GrantID: g.id, Revision: g.st.Revision, Approve: in.Approve,
			Note: strings.TrimSpace(in.Note), NewDue: in.Due, By: in.By})
		if err != nil {
			return err
		}
		if !in.Approve {
			g.st.Revision++
			g.st.Stage, g.st.Due, g.st.RemindersDone, g.st.Escalations = GrantRunning, in.Due, nil, 0
			g.deliver(ctx)
			return nil
		}
		if err := g.settle(ctx); err != nil {
			return err
		}
		g.st.Stage = GrantClosing
		g.deliver(ctx)
		return nil
	})
}

// settle orders what is still owed or recovers what was overpaid:
// final = min(spent, granted) − paid; a negative final is a recovery.
func (g *grantWF) settle(ctx workflow.Context) error {
	due := min(g.st.Spent, g.in.Amount) - g.ordered()
	if due < 0 {
		g.st.Recovery = -due
		return g.exec(ctx, act.OrderPayment, activities.OrderPaymentInput{GrantID: g.id, Tranche: 0, Kind: activities.KindRecovery,
			Amount: g.st.Recovery, Granted: g.in.Amount, At: workflow.Now(ctx)})
	}
	// What is owed goes to the final-report tranches, each up to its
	// scheduled amount, the last one taking any rest.
	last := -1
	for i, tr := range g.st.Tranches {
		if tr.On == callspec.OnFinalReport && tr.Ordered == 0 {
			last = i
		}
	}
	for i, tr := range g.st.Tranches {
		if tr.On != callspec.OnFinalReport || tr.Ordered != 0 || due <= 0 {
			continue
		}
		amount := min(due, tr.Amount)
		if i == last {
			amount = due
		}
		if err := g.order(ctx, i, amount); err != nil {
			return err
		}
		due -= amount
	}
	return nil
}
