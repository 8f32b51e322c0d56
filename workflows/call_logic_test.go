package workflows_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/selection"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// A call from launch to its last closed grant: each step's activity runs
// once, in order, with what the officer entered.
func TestCallLogicFullCycle(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.gov = workflows.GovernmentStatus{Installed: fakeStart.AddDate(-1, 0, 0), Version: 3}
	f.on(mact.AutoScreen, activities.AutoScreenResult{Ineligible: []int{3}, Checked: 3}, nil)
	f.proposal(selection.Pick{Reference: "AP-SUD-2024-0001", Region: rKinsha, Amount: money.Euros(20000)},
		selection.Pick{Reference: "AP-SUD-2024-0002", Region: rTPO, Amount: money.Euros(100000), Envelope: rTPO})

	first := f.update(time.Hour, workflows.UpdateSubmit, batch(sub("Solsoc", "Économie sociale", rKinsha, 20000), sub("Viva Salud", "Santé", rTPO, 100000)))
	second := f.update(2*time.Hour, workflows.UpdateSubmit, batch(sub("Twende", "Zéro plastique", rRabat, 50000)))
	open := f.callStatus(29 * fday)
	screening := f.callStatus(31 * fday)
	screen := f.update(32*fday, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{
		{Reference: "AP-SUD-2024-0001", Eligible: true}, {Reference: "AP-SUD-2024-0002", Eligible: true}}})
	review := f.callStatus(32*fday + time.Hour)
	imp := f.update(33*fday, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: importID, By: "chair"})
	proposed := f.callStatus(33*fday + time.Hour)
	decide := f.update(34*fday, workflows.UpdateDecide, workflows.DecideInput{Decree: "AGB 2024/123", By: "officer", Grants: []workflows.DecisionGrant{
		{Reference: "AP-SUD-2024-0001", Amount: money.Euros(15000)}, {Reference: "AP-SUD-2024-0002", Amount: money.Euros(100000)}}})
	closed1 := workflows.GrantClosedSignal{Reference: "AP-SUD-2024-0001", Paid: money.Euros(15000)}
	f.signal(40*fday, workflows.SignalGrantClosed, closed1)
	f.signal(41*fday, workflows.SignalGrantClosed, closed1)                                                             // redelivered
	f.signal(41*fday, workflows.SignalGrantClosed, workflows.GrantClosedSignal{Reference: "AP-CMS-2024-0002", Paid: 1}) // not ours
	decided := f.callStatus(42 * fday)
	f.signal(50*fday, workflows.SignalGrantClosed, workflows.GrantClosedSignal{Reference: "AP-SUD-2024-0002", Paid: money.Euros(80000), Recovery: money.Euros(20000)})
	f.run(0, workflows.CallWorkflowName, workflows.CallInput{Call: fakeCall()})

	var res workflows.CallResult
	if err := f.env.GetWorkflowResult(&res); err != nil {
		t.Fatalf("call: %v", err)
	}
	if res.Stage != workflows.StageCompleted || res.Submitted != 3 {
		t.Fatalf("result %+v", res)
	}
	for name, u := range map[string]*upd{"first": first, "second": second, "screen": screen, "import": imp, "decide": decide} {
		if !u.ok() {
			t.Fatalf("%s: %s", name, u)
		}
	}
	if refs := first.result.(workflows.SubmitResult).References; len(refs) != 2 || refs[0] != "AP-SUD-2024-0001" || refs[1] != "AP-SUD-2024-0002" {
		t.Fatalf("first batch references %v", refs)
	}
	wantNames(t, f.names(), "SaveCall", "AnnounceLaunch", "RecordApplications", "RecordApplications", "AutoScreen",
		"RecordVerdicts", "ExportScoring", "ApplyScores", "RecordDecision", "StartGrants")

	var rec activities.RecordApplicationsInput
	f.input("RecordApplications", 1, &rec)
	if len(rec.Applications) != 1 || rec.Applications[0].Reference != "AP-SUD-2024-0003" || rec.Applications[0].Seq != 3 || rec.Applications[0].Region != rRabat {
		t.Fatalf("second batch recorded as %+v", rec.Applications)
	}
	var auto activities.AutoScreenInput
	if a := f.input("AutoScreen", 0, &auto); !a.At.Equal(fakeCall().Deadline) || !auto.At.Equal(fakeCall().Deadline) {
		t.Fatalf("automatic screening ran at %s (input %s), want the deadline", a.At, auto.At)
	}
	var dec activities.RecordDecisionInput
	f.input("RecordDecision", 0, &dec)
	if dec.Decree != "AGB 2024/123" || dec.BudgetYear != 2024 || len(dec.Grants) != 2 || dec.Grants[0].Amount != money.Euros(15000) {
		t.Fatalf("decision recorded as %+v", dec)
	}
	var sg activities.StartGrantsInput
	f.input("StartGrants", 0, &sg)
	if len(sg.Grants) != 2 || sg.Grants[1].Reference != "AP-SUD-2024-0002" || sg.Grants[1].Amount != money.Euros(100000) {
		t.Fatalf("grants started %+v", sg.Grants)
	}
	// The call subscribed to the government once it waited for it, and
	// left when it was decided.
	subs, unsubs := f.signalsNamed(workflows.SignalSubscribe), f.signalsNamed(workflows.SignalUnsubscribe)
	if len(subs) != 1 || len(unsubs) != 1 || subs[0].At.Before(fakeStart.Add(33*fday)) || !unsubs[0].At.Equal(fakeStart.Add(34*fday)) {
		t.Fatalf("subscribe %+v unsubscribe %+v", subs, unsubs)
	}
	// The last delivery is the final one, after every other activity.
	last := f.acts[len(f.acts)-1]
	var dm activities.DeliverMailInput
	_ = last.args.Get(&dm)
	if last.Name != "DeliverMail" || !dm.Final {
		t.Fatalf("last activity %s %+v, want the final delivery", last.Name, dm)
	}

	if open.Stage != workflows.StageOpen || open.Submitted != 3 {
		t.Errorf("day 29: %+v", open)
	}
	if screening.Stage != workflows.StageScreening || screening.Screening != (workflows.ScreeningStatus{Screened: 1, Eligible: 0, Ineligible: 1, Pending: 2}) {
		t.Errorf("day 31: %s %+v", screening.Stage, screening.Screening)
	}
	if review.Stage != workflows.StageReview || review.ScoringPath != "/out/scoring.xlsx" || review.Screening.Eligible != 2 {
		t.Errorf("day 32: %s %q %+v", review.Stage, review.ScoringPath, review.Screening)
	}
	if proposed.Stage != workflows.StageProposed || proposed.Proposal == nil || proposed.Proposal.Selected != 2 ||
		proposed.Proposal.ImportedBy != "chair" || proposed.Paused || proposed.BudgetYear != 2024 || !strings.HasPrefix(proposed.Government, "in office") {
		t.Errorf("day 33: %+v", proposed)
	}
	if decided.Stage != workflows.StageDecided || decided.Grants != (workflows.GrantsStatus{Total: 2, Started: 2, Closed: 1, Paid: money.Euros(15000)}) {
		t.Errorf("day 42 (one grant closed, reported twice, and a stranger's): %s %+v", decided.Stage, decided.Grants)
	}
}

// The deadline timer follows an extension; an early close screens at once.
func TestCallLogicDeadlineMoves(t *testing.T) {
	t.Parallel()
	call := fakeCall()
	t.Run("extension", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		newDeadline := call.Deadline.AddDate(0, 0, 10)
		ext := f.update(10*fday, workflows.UpdateExtend, workflows.ExtendInput{Deadline: newDeadline, By: "officer"})
		atOld := f.callStatus(30*fday + time.Hour)
		late := f.update(35*fday, workflows.UpdateSubmit, batch(sub("A", "t", rKinsha, 20000)))
		atNew := f.callStatus(40*fday + time.Hour)
		f.run(45*fday, workflows.CallWorkflowName, workflows.CallInput{Call: call})
		if !ext.ok() || !ext.result.(workflows.ExtendResult).Previous.Equal(call.Deadline) {
			t.Fatalf("extend: %s", ext)
		}
		if atOld.Stage != workflows.StageOpen || !atOld.Deadline.Equal(newDeadline) || !late.ok() {
			t.Fatalf("after the old deadline: %s, late submission %s", atOld.Stage, late)
		}
		if atNew.Stage != workflows.StageScreening || !atNew.ClosedAt.Equal(newDeadline) || atNew.CloseReason != "deadline" {
			t.Fatalf("after the new deadline: %+v", atNew)
		}
		if a := f.all("AutoScreen"); len(a) != 1 || !a[0].At.Equal(newDeadline) {
			t.Fatalf("automatic screening %+v, want once at %s", a, newDeadline)
		}
	})
	t.Run("early close", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		closeAt := 5 * fday
		f.update(fday, workflows.UpdateSubmit, batch(sub("A", "t", rKinsha, 20000)))
		cl := f.update(closeAt, workflows.UpdateClose, workflows.CloseInput{By: "officer", Reason: "envelope exhausted"})
		again := f.update(6*fday, workflows.UpdateClose, workflows.CloseInput{By: "officer"})
		s := f.callStatus(6 * fday)
		f.run(40*fday, workflows.CallWorkflowName, workflows.CallInput{Call: call})
		if !cl.ok() || errType(again.rejected) != workflows.ErrTypeAlreadyDone {
			t.Fatalf("close %s, again %s", cl, again)
		}
		if s.Stage != workflows.StageScreening || s.CloseReason != "closed early (envelope exhausted) by officer" {
			t.Fatalf("status %+v", s)
		}
		if a := f.all("AutoScreen"); len(a) != 1 || !a[0].At.Equal(fakeStart.Add(closeAt)) {
			t.Fatalf("automatic screening %+v, want once at the close", a)
		}
	})
}

// Refused updates never reach an activity, and change nothing.
func TestCallLogicRefusalsRunNoActivity(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	call := fakeCall()
	good := sub("Solsoc", "Économie sociale", rKinsha, 20000)
	accepted := f.update(time.Hour, workflows.UpdateSubmit, batch(good))
	refused := map[string]*upd{
		"bad rows":           f.update(2*time.Hour, workflows.UpdateSubmit, batch(sub("B", "ok", rRabat, 20000), sub("C", "t", "Dakar", 20000), sub("SOLSOC", "économie  sociale!", rKinsha, 30000))),
		"no officer":         f.update(2*time.Hour, workflows.UpdateSubmit, workflows.SubmitInput{Submissions: batch(sub("D", "t", rRabat, 20000)).Submissions}),
		"extend to the past": f.update(2*time.Hour, workflows.UpdateExtend, workflows.ExtendInput{Deadline: fakeStart, By: "officer"}),
		"extend by 2 years":  f.update(2*time.Hour, workflows.UpdateExtend, workflows.ExtendInput{Deadline: call.Deadline.AddDate(2, 0, 0), By: "officer"}),
		"screen while open":  f.update(2*time.Hour, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{{Reference: "AP-SUD-2024-0001", Eligible: true}}}),
		"decide while open":  f.update(2*time.Hour, workflows.UpdateDecide, workflows.DecideInput{Decree: "x", By: "officer", Grants: []workflows.DecisionGrant{{Reference: "AP-SUD-2024-0001", Amount: money.Euros(20000)}}}),
		"carry over open":    f.update(2*time.Hour, workflows.UpdateCarryOver, workflows.CarryOverInput{BudgetYear: 2025, By: "officer"}),
		"cancel no reason":   f.update(2*time.Hour, workflows.UpdateCancel, workflows.CancelInput{By: "officer"}),
		"import while open":  f.update(2*time.Hour, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: importID, By: "officer"}),
		"unknown reference":  f.update(31*fday, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{{Reference: "AP-SUD-2024-0009", Eligible: true}}}),
		"no reason":          f.update(31*fday, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{{Reference: "AP-SUD-2024-0001"}}}),
		"twice in a batch": f.update(31*fday, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{
			{Reference: "AP-SUD-2024-0001", Eligible: true}, {Reference: "AP-SUD-2024-0001", Eligible: true}}}),
		"submit after the deadline": f.update(31*fday, workflows.UpdateSubmit, batch(sub("E", "t", rRabat, 20000))),
	}
	s := f.callStatus(31*fday + time.Hour)
	f.run(32*fday, workflows.CallWorkflowName, workflows.CallInput{Call: call})
	if !accepted.ok() {
		t.Fatalf("valid submission: %s", accepted)
	}
	for name, u := range refused {
		if u.rejected == nil {
			t.Errorf("%s: want refused, got %s", name, u)
		}
	}
	var rej workflows.Rejection
	var appErr interface{ Details(...any) error }
	if !errors.As(refused["bad rows"].rejected, &appErr) || appErr.Details(&rej) != nil || len(rej.Rows) != 2 || rej.Rows[0].Index != 1 || rej.Rows[1].Index != 2 ||
		!strings.Contains(rej.Rows[1].Reason, "duplicate") || !strings.Contains(rej.Rows[1].Reason, "AP-SUD-2024-0001") {
		t.Errorf("the batch refusal must list rows 2 and 3 (region, duplicate): %+v", rej)
	}
	for _, name := range []string{"extend to the past", "screen while open", "decide while open", "carry over open", "import while open", "submit after the deadline"} {
		if typ := errType(refused[name].rejected); typ != workflows.ErrTypeRejected && typ != workflows.ErrTypeWrongStage {
			t.Errorf("%s: error type %q", name, typ)
		}
	}
	wantNames(t, f.names(), "SaveCall", "AnnounceLaunch", "RecordApplications", "AutoScreen")
	if s.Submitted != 1 || s.Screening.Screened != 0 || s.Stage != workflows.StageScreening {
		t.Fatalf("status %+v", s)
	}
}

// A failed recording gives back what the update took: the duplicate key
// (so the same application can be sent again) and the decision.
func TestCallLogicActivityFailureRollsBack(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.gov = workflows.GovernmentStatus{Version: 1}
	f.on(mact.RecordApplications, activities.RecordApplicationsResult{}, failNow("database refused")).Once()
	f.on(mact.RecordDecision, activities.RecordDecisionResult{}, failNow("database refused")).Once()
	f.proposal(selection.Pick{Reference: "AP-SUD-2024-0002", Region: rKinsha, Amount: money.Euros(20000)})
	app := sub("Solsoc", "Économie sociale", rKinsha, 20000)
	failed := f.update(time.Hour, workflows.UpdateSubmit, batch(app))
	afterFail := f.callStatus(2 * time.Hour)
	retried := f.update(3*time.Hour, workflows.UpdateSubmit, batch(app))
	f.update(31*fday, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{{Reference: "AP-SUD-2024-0002", Eligible: true}}})
	f.update(32*fday, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: importID, By: "chair"})
	d := workflows.DecideInput{Decree: "AGB 1", By: "officer", Grants: []workflows.DecisionGrant{{Reference: "AP-SUD-2024-0002", Amount: money.Euros(20000)}}}
	dFail := f.update(33*fday, workflows.UpdateDecide, d)
	afterDFail := f.callStatus(33*fday + time.Hour)
	dOK := f.update(34*fday, workflows.UpdateDecide, d)
	f.run(35*fday, workflows.CallWorkflowName, workflows.CallInput{Call: fakeCall()})
	if failed.err == nil || afterFail.Submitted != 0 {
		t.Fatalf("failed submission: %s, submitted %d", failed, afterFail.Submitted)
	}
	// The reference number is not reused (0001 was taken), the key is.
	if !retried.ok() || retried.result.(workflows.SubmitResult).References[0] != "AP-SUD-2024-0002" {
		t.Fatalf("resubmission after the failure: %s", retried)
	}
	if dFail.err == nil || afterDFail.Stage != workflows.StageProposed || afterDFail.Decision != nil {
		t.Fatalf("failed decision: %s; status %s %+v", dFail, afterDFail.Stage, afterDFail.Decision)
	}
	if !dOK.ok() || f.count("RecordDecision") != 2 || f.count("StartGrants") != 1 {
		t.Fatalf("decision retried: %s, activities %v", dOK, f.names())
	}
}

// Ending screening early declares the rest eligible through the activity;
// a call where nothing is eligible ends with a final mail delivery.
func TestCallLogicScreeningEnds(t *testing.T) {
	t.Parallel()
	t.Run("ended early", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.update(time.Hour, workflows.UpdateSubmit, batch(sub("A", "a", rKinsha, 20000), sub("B", "b", rRabat, 20000), sub("C", "c", rTPO, 20000)))
		early := f.update(time.Hour+time.Minute, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: "officer"})
		v := f.update(31*fday, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{{Reference: "AP-SUD-2024-0001", Reason: "no statutes"}}})
		end := f.update(32*fday, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: "chef"})
		again := f.update(33*fday, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: "chef"})
		s := f.callStatus(33 * fday)
		f.run(34*fday, workflows.CallWorkflowName, workflows.CallInput{Call: fakeCall()})
		if errType(early.rejected) != workflows.ErrTypeWrongStage || !v.ok() || !end.ok() || end.result.(workflows.EndScreeningResult).Pending != 2 {
			t.Fatalf("early %s, verdict %s, end %s", early, v, end)
		}
		if errType(again.rejected) != workflows.ErrTypeAlreadyDone {
			t.Fatalf("second end: %s", again)
		}
		var es activities.EndScreeningInput
		if a := f.input("EndScreening", 0, &es); es.By != "chef" || !a.At.Equal(fakeStart.Add(32*fday)) {
			t.Fatalf("end screening %+v at %s", es, a.At)
		}
		wantNames(t, f.names(), "SaveCall", "AnnounceLaunch", "RecordApplications", "AutoScreen", "RecordVerdicts", "EndScreening", "ExportScoring")
		if s.Stage != workflows.StageReview || s.Screening != (workflows.ScreeningStatus{Screened: 3, Eligible: 2, Ineligible: 1}) {
			t.Fatalf("status %s %+v", s.Stage, s.Screening)
		}
	})
	t.Run("none eligible", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.on(mact.AutoScreen, activities.AutoScreenResult{Ineligible: []int{1, 2}}, nil)
		f.update(time.Hour, workflows.UpdateSubmit, batch(sub("A", "a", rKinsha, 20000), sub("B", "b", rRabat, 20000)))
		f.run(0, workflows.CallWorkflowName, workflows.CallInput{Call: fakeCall()})
		var res workflows.CallResult
		if err := f.env.GetWorkflowResult(&res); err != nil || res.Stage != workflows.StageNoEligible || res.Submitted != 2 {
			t.Fatalf("result %+v %v", res, err)
		}
		wantNames(t, f.names(), "SaveCall", "AnnounceLaunch", "RecordApplications", "AutoScreen")
		var dm activities.DeliverMailInput
		last := f.acts[len(f.acts)-1]
		if _ = last.args.Get(&dm); last.Name != "DeliverMail" || !dm.Final {
			t.Fatalf("last activity %s %+v", last.Name, dm)
		}
		if len(f.signals) != 0 {
			t.Fatalf("a call that never waited for the government signalled %+v", f.signals)
		}
	})
}

// toProposed drives a fake call to the approval step: one eligible
// application, AP-SUD-2024-0001 for 20.000 €, proposed on day 33.
func toProposed(f *fake) workflows.DecideInput {
	f.proposal(selection.Pick{Reference: "AP-SUD-2024-0001", Region: rKinsha, Amount: money.Euros(20000)})
	f.update(time.Hour, workflows.UpdateSubmit, batch(sub("Solsoc", "Économie sociale", rKinsha, 20000)))
	f.update(31*fday, workflows.UpdateScreen, workflows.ScreenInput{By: "officer", Verdicts: []workflows.Verdict{{Reference: "AP-SUD-2024-0001", Eligible: true}}})
	f.update(33*fday, workflows.UpdateImportScores, workflows.ImportScoresInput{ImportID: importID, By: "chair"})
	return workflows.DecideInput{Decree: "AGB 2024/7", By: "officer", Grants: []workflows.DecisionGrant{{Reference: "AP-SUD-2024-0001", Amount: money.Euros(20000)}}}
}

// Caretaker mode pauses the call (no decision taken), installation
// resumes it; a status older than the one held is ignored.
func TestCallLogicCaretakerPauseAndResume(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	elections := time.Date(2024, 6, 9, 0, 0, 0, 0, time.UTC)
	f.gov = workflows.GovernmentStatus{Caretaker: true, Since: elections, Version: 5}
	d := toProposed(f)
	paused := f.callStatus(34 * fday)
	refused := f.update(34*fday, workflows.UpdateDecide, d)
	installed := fakeStart.Add(60 * fday)
	f.signal(60*fday, workflows.SignalGovernmentStatus, workflows.GovernmentStatus{Installed: installed, Version: 6})
	f.signal(61*fday, workflows.SignalGovernmentStatus, workflows.GovernmentStatus{Caretaker: true, Since: elections, Version: 5}) // late
	resumed := f.callStatus(62 * fday)
	ok := f.update(63*fday, workflows.UpdateDecide, d)
	f.run(64*fday, workflows.CallWorkflowName, workflows.CallInput{Call: fakeCall()})
	if !paused.Paused || paused.Stage != workflows.StageProposed || !strings.HasPrefix(paused.WaitingFor, "paused: caretaker mode since 2024-06-09") {
		t.Fatalf("in caretaker mode: paused=%v %q", paused.Paused, paused.WaitingFor)
	}
	if errType(refused.rejected) != workflows.ErrTypeWrongStage || !strings.Contains(refused.rejected.Error(), "caretaker") {
		t.Fatalf("decision in caretaker mode: %s", refused)
	}
	if resumed.Paused || !strings.HasPrefix(resumed.Government, "in office") {
		t.Fatalf("after installation (and a stale status): paused=%v %q", resumed.Paused, resumed.Government)
	}
	if !ok.ok() || f.count("RecordDecision") != 1 {
		t.Fatalf("decision after installation: %s, activities %v", ok, f.names())
	}
	var rd activities.RecordDecisionInput
	if a := f.input("RecordDecision", 0, &rd); !a.At.Equal(fakeStart.Add(63 * fday)) {
		t.Fatalf("decision recorded at %s", a.At)
	}
}

// A call still waiting when its budget year closes lapses at that moment;
// carried over, it waits under the next budget and can be decided.
func TestCallLogicLapseAndCarryOver(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	call := fakeCall()
	since := time.Date(2024, 6, 9, 0, 0, 0, 0, time.UTC)
	f.gov = workflows.GovernmentStatus{Caretaker: true, Since: since, Version: 1}
	d := toProposed(f)
	closeAt := call.BudgetClose(2024) // 2025-01-01 00:00 Brussels
	before := f.callStatus(closeAt.Add(-time.Minute).Sub(fakeStart))
	early := f.update(closeAt.Add(-time.Hour).Sub(fakeStart), workflows.UpdateCarryOver, workflows.CarryOverInput{BudgetYear: 2025, By: "officer"})
	lapsed := f.callStatus(closeAt.Add(time.Hour).Sub(fakeStart))
	decideLapsed := f.update(closeAt.Add(time.Hour).Sub(fakeStart), workflows.UpdateDecide, d)
	tooFar := f.update(closeAt.Add(2*time.Hour).Sub(fakeStart), workflows.UpdateCarryOver, workflows.CarryOverInput{BudgetYear: 2028, By: "officer"})
	carry := f.update(closeAt.Add(3*time.Hour).Sub(fakeStart), workflows.UpdateCarryOver, workflows.CarryOverInput{BudgetYear: 2025, By: "officer"})
	carried := f.callStatus(closeAt.Add(4 * time.Hour).Sub(fakeStart))
	f.signal(closeAt.Add(30*fday).Sub(fakeStart), workflows.SignalGovernmentStatus, workflows.GovernmentStatus{Installed: closeAt, Version: 2})
	ok := f.update(closeAt.Add(31*fday).Sub(fakeStart), workflows.UpdateDecide, d)
	f.run(closeAt.Add(32*fday).Sub(fakeStart), workflows.CallWorkflowName, workflows.CallInput{Call: call})

	if before.Stage != workflows.StageProposed || !before.LapseAt.Equal(closeAt) || errType(early.rejected) != workflows.ErrTypeWrongStage {
		t.Fatalf("before the close: %s lapse %s; carry-over %s", before.Stage, before.LapseAt, early)
	}
	var lc activities.LapseCallInput
	a := f.input("LapseCall", 0, &lc)
	if !a.At.Equal(closeAt) || lc.BudgetYear != 2024 || !strings.Contains(lc.Why, "caretaker mode since 2024-06-09") {
		t.Fatalf("lapse at %s: %+v", a.At, lc)
	}
	if lapsed.Stage != workflows.StageLapsed || errType(decideLapsed.rejected) != workflows.ErrTypeWrongStage || tooFar.rejected == nil {
		t.Fatalf("after the close: %s; decide %s; carry to 2028 %s", lapsed.Stage, decideLapsed, tooFar)
	}
	var sc activities.SetCallStatusInput
	f.input("SetCallStatus", 0, &sc)
	if !carry.ok() || sc.Status != "carried-over" || sc.BudgetYear != 2025 || !carried.LapseAt.Equal(call.BudgetClose(2025)) || carried.Stage != workflows.StageProposed {
		t.Fatalf("carry-over %s: %+v; status %s lapse %s", carry, sc, carried.Stage, carried.LapseAt)
	}
	var rd activities.RecordDecisionInput
	f.input("RecordDecision", 0, &rd)
	if !ok.ok() || rd.BudgetYear != 2025 {
		t.Fatalf("decision under the 2025 budget: %s %+v", ok, rd)
	}
	// Lapsing leaves the government's list; waiting again rejoins it.
	if n, m := len(f.signalsNamed(workflows.SignalSubscribe)), len(f.signalsNamed(workflows.SignalUnsubscribe)); n != 2 || m != 2 {
		t.Fatalf("subscriptions %d, unsubscriptions %d; want 2 and 2", n, m)
	}
	wantNames(t, f.names(), "SaveCall", "AnnounceLaunch", "RecordApplications", "AutoScreen", "RecordVerdicts", "ExportScoring",
		"ApplyScores", "LapseCall", "SetCallStatus", "RecordDecision", "StartGrants")
}

// Cancelling a waiting call tells the applicants (CancelCall), leaves the
// government's list and ends the call.
func TestCallLogicCancel(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.gov = workflows.GovernmentStatus{Version: 1}
	toProposed(f)
	c := f.update(40*fday, workflows.UpdateCancel, workflows.CancelInput{Reason: " envelope withdrawn ", By: "minister"})
	f.run(50*fday, workflows.CallWorkflowName, workflows.CallInput{Call: fakeCall()})
	var res workflows.CallResult
	if err := f.env.GetWorkflowResult(&res); err != nil || res.Stage != workflows.StageCancelled || !c.ok() {
		t.Fatalf("result %+v %v, cancel %s", res, err, c)
	}
	var cc activities.CancelCallInput
	f.input("CancelCall", 0, &cc)
	if cc.Reason != "envelope withdrawn" || cc.By != "minister" {
		t.Fatalf("cancel recorded as %+v", cc)
	}
	if u := f.signalsNamed(workflows.SignalUnsubscribe); len(u) != 1 || !u[0].At.Equal(fakeStart.Add(40*fday)) {
		t.Fatalf("unsubscribe %+v", u)
	}
}

// A cancellation that arrives while the call's row is still being saved
// waits for it: CancelCall runs after SaveCall, never before.
func TestCallLogicCancelRightAfterLaunch(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on(mact.SaveCall, activities.SaveCallResult{}, nil).After(time.Minute)
	c := f.update(time.Second, workflows.UpdateCancel, workflows.CancelInput{Reason: "launched by mistake", By: "officer"})
	f.run(fday, workflows.CallWorkflowName, workflows.CallInput{Call: fakeCall()})
	if !c.ok() {
		t.Fatalf("cancel right after launch: %s", c)
	}
	names := f.names()
	save, cancel := slices.Index(names, "SaveCall"), slices.Index(names, "CancelCall")
	if save < 0 || cancel < save {
		t.Fatalf("activities %v: CancelCall must follow SaveCall", names)
	}
	if at := f.all("CancelCall")[0].At; at.Before(fakeStart.Add(time.Minute)) {
		t.Fatalf("CancelCall started at %s, before the call was saved", at)
	}
}

// With a low MaxUpdatesPerRun the call continues as new, carrying its
// state; the next run neither launches again nor forgets a reference or a
// duplicate.
func TestCallLogicContinueAsNew(t *testing.T) {
	t.Parallel()
	call := fakeCall()
	f := newFake(t)
	a := f.update(time.Hour, workflows.UpdateSubmit, batch(sub("Solsoc", "Économie sociale", rKinsha, 20000)))
	b := f.update(2*time.Hour, workflows.UpdateSubmit, batch(sub("Twende", "Zéro plastique", rRabat, 20000)))
	f.run(0, workflows.CallWorkflowName, workflows.CallInput{Call: call, MaxUpdatesPerRun: 2})
	var can *workflow.ContinueAsNewError
	if err := f.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new after 2 updates, got %v", err)
	}
	if !a.ok() || !b.ok() {
		t.Fatalf("updates before the handover: %s %s", a, b)
	}
	var next workflows.CallInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.State.Runs != 1 || next.MaxUpdatesPerRun != 2 || next.Call.ID != call.ID {
		t.Fatalf("carried %+v", next)
	}

	g := newFake(t)
	dup := g.update(time.Hour, workflows.UpdateSubmit, batch(sub("SOLSOC", "economie sociale", rKinsha, 20000)))
	c := g.update(2*time.Hour, workflows.UpdateSubmit, batch(sub("Viva", "Santé", rTPO, 20000)))
	s := g.callStatus(3 * time.Hour)
	g.env.SetStartTime(fakeStart.Add(3 * time.Hour))
	g.run(4*time.Hour, workflows.CallWorkflowName, next)
	if dup.rejected == nil || !strings.Contains(dup.rejected.Error(), "AP-SUD-2024-0001") {
		t.Fatalf("a duplicate of the first run's application: %s", dup)
	}
	if !c.ok() || c.result.(workflows.SubmitResult).References[0] != "AP-SUD-2024-0003" {
		t.Fatalf("numbering after the handover: %s", c)
	}
	if s.Runs != 2 || s.Submitted != 3 || !s.Deadline.Equal(call.Deadline) {
		t.Fatalf("second run status %+v", s)
	}
	wantNames(t, g.names(), "RecordApplications")
}
