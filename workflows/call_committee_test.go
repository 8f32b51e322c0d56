package workflows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/workflows"
)

// committee seats two reviewers on the call, declared: Rita (AB, Dutch)
// has scored every file, Bart (CD, French) none.
func (h *harness) committee() (rita, bart string) {
	ctx := context.Background()
	rita, bart = "00000000-0000-4000-8000-00000000a001", "00000000-0000-4000-8000-00000000b002"
	for _, q := range []string{
		`INSERT INTO users (user_id, name, email) VALUES ('` + rita + `', 'Rita Reviewer', 'rita@office.example'), ('` + bart + `', 'Bart Reviewer', 'bart@office.example')`,
		`INSERT INTO reviewer_assignments (user_id, call_id, code, declared_at, language) VALUES
			('` + rita + `', 'AP-SUD-2024', 'AB', now(), 'nl'), ('` + bart + `', 'AP-SUD-2024', 'CD', now(), 'fr')`,
		`INSERT INTO review_sheet_scores (call_id, user_id, reference, scores, source)
			SELECT 'AP-SUD-2024', '` + rita + `', reference, '{8}', 'page' FROM applications WHERE call_id = 'AP-SUD-2024' AND eligible`,
	} {
		if _, err := h.db.Exec(ctx, q); err != nil {
			h.t.Fatal(err)
		}
	}
	return rita, bart
}

// The committee deadline's reminders (committee.reminder_days) go, in
// virtual time, to the reviewers who have not returned their sheet and
// to nobody else, each once: at 7 days before the deadline and at 2 days,
// saying how many files are left; a repeated activity sends nothing
// again. Addresses stay in PostgreSQL: the workflow's input names only
// the call and the reminder.
func TestCommitteeRemindersGoToWhoHasNotReturned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call.Reviewers = []string{"AB", "CD"}
	deadline := start.AddDate(0, 0, 60)
	h.call.Committee = callspec.CommitteeRules{Deadline: deadline, ReminderDays: []int{2, 7}}
	kin := "Ville-Province de Kinshasa"
	var sub, end outcome
	var review, later workflows.StatusResult
	h.update(day, workflows.UpdateSubmit, submit(h.app("Twende", "Zéro plastique", kin, 15000), h.app("Lisanga", "WO-GREEN", kin, 25000)), &sub)
	h.update(31*day, workflows.UpdateEndScreening, workflows.EndScreeningInput{By: "officer"}, &end)
	var rita, bart string
	h.env.RegisterDelayedCallback(func() { rita, bart = h.committee() }, 32*day)
	reminders := func() (toBart, toRita int) {
		_ = h.db.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE recipient = 'bart@office.example' AND language = 'fr'),
			count(*) FILTER (WHERE recipient = 'rita@office.example') FROM mail_log WHERE kind = 'committee-reminder'`).Scan(&toBart, &toRita)
		return
	}
	var before, first, second [2]int
	h.env.RegisterDelayedCallback(func() { before[0], before[1] = reminders() }, 52*day)
	h.env.RegisterDelayedCallback(func() { first[0], first[1] = reminders() }, 54*day)
	// Bart scores one of his two files before the second reminder.
	h.env.RegisterDelayedCallback(func() {
		if _, err := h.db.Exec(context.Background(), `INSERT INTO review_sheet_scores (call_id, user_id, reference, scores, source)
			VALUES ('AP-SUD-2024', $1, 'AP-SUD-2024-0001', '{6}', 'page')`, bart); err != nil {
			t.Error(err)
		}
	}, 55*day)
	h.env.RegisterDelayedCallback(func() { second[0], second[1] = reminders() }, 59*day)
	h.status(33*day, &review)
	h.status(59*day, &later)
	h.run(62*day, workflowsInput())

	if sub.err != nil || end.err != nil || end.rejected != nil || review.Stage != workflows.StageReview || later.Stage != workflows.StageReview {
		t.Fatalf("submit %v, end screening %+v, stages %s then %s", sub.err, end, review.Stage, later.Stage)
	}
	if before != [2]int{0, 0} || first != [2]int{1, 0} || second != [2]int{2, 0} {
		t.Fatalf("reminders (to Bart, to Rita): day 52 %v, day 54 %v, day 59 %v; want none, then one and two to Bart only", before, first, second)
	}
	var left string
	_ = h.db.QueryRow(context.Background(), `SELECT body_text FROM mail_log WHERE business_key = $1`,
		"AP-SUD-2024/committee-reminder/2/"+bart).Scan(&left)
	if want := "il vous reste 1 dossier(s)"; !strings.Contains(left, want) {
		t.Errorf("the 2-day reminder to Bart says:\n%s\nwant %q", left, want)
	}
	// A retried or repeated reminder finds its mails queued already.
	a := &activities.Activities{DB: h.db}
	res, err := a.RemindReviewers(context.Background(), activities.RemindReviewersInput{CallID: "AP-SUD-2024", DaysBefore: 7})
	if err != nil || res.Queued != 0 {
		t.Errorf("the 7-day reminder again: %+v %v, want nothing queued", res, err)
	}
	if toBart, toRita := reminders(); toBart != 2 || toRita != 0 || rita == "" {
		t.Errorf("after the repeat: %d to Bart, %d to Rita", toBart, toRita)
	}
}
