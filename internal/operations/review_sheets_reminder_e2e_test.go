package operations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
)

// On the real stack: a call whose committee deadline is seconds away
// (time_scale 86400: a day of reminder_days lasts a second) mails its
// reminder once, to the reviewer who has not returned and not to the one
// who has, through Mailpit; the committee then returns and the call
// proposes. Its history is kept for the replay test
// (CALLCYCLE_UPDATE_HISTORIES=1): call-committee-reminder.json.
func TestCommitteeReminderMailedOnce(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	const call = "AP-CMS-REM"
	svc := s.env.svc
	now := time.Now()
	rfc := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	cfg := fmt.Sprintf(smallCall, call, call)
	for _, e := range [][2]string{
		{"year: 2030", fmt.Sprintf("year: %d\ntime_scale: 86400", now.Year())},
		{`deadline: "2030-03-31 23:59"`, "deadline: " + rfc(10*time.Second)},
		{"committee: {reviewers: [AB]}", "committee: {reviewers: [AB, CD], deadline: " + rfc(30*time.Second) + ", reminder_days: [5]}"},
	} {
		if !strings.Contains(cfg, e[0]) {
			t.Fatalf("the call file has no %q", e[0])
		}
		cfg = strings.Replace(cfg, e[0], e[1], 1)
	}
	if _, err := s.env.Launch(ctx, writeFile(t, call+".yaml", cfg), launchOpts{}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.env.Import(ctx, call, writeFile(t, call+".csv", fmt.Sprintf(smallApps, call))); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	var rita, bart operations.Actor
	for _, p := range []struct {
		who   *operations.Actor
		name  string
		email string
	}{{&rita, "Rita Reviewer", "rita@office.example"}, {&bart, "Bart Reviewer", "bart@office.example"}} {
		id, err := auth.CreateUser(ctx, s.db, p.name, p.email, "", "test", auth.Reviewer)
		if err != nil {
			t.Fatal(err)
		}
		*p.who = operations.Actor{Name: p.name, ID: id, Role: "reviewer"}
		if _, err := svc.AssignReviewer(ctx, s.env.by, operations.AssignReviewerInput{CallID: call, Email: p.email}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.env.Close(ctx, call, "enough"); err != nil {
		t.Fatal(err)
	}
	waitStage(t, s.env, call, workflows.StageScreening)
	if err := s.env.EndScreening(ctx, call); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, func() bool { return waitStage(t, s.env, call, workflows.StageReview).ScoringPath != "" })
	for _, who := range []operations.Actor{rita, bart} {
		if _, err := svc.Declare(ctx, who, operations.DeclareInput{CallID: call, Language: map[string]string{rita.ID: "nl", bart.ID: "fr"}[who.ID]}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{call + "-0001", call + "-0002"} {
		if _, err := svc.ReviewScore(ctx, rita, operations.ReviewScoreInput{CallID: call, Reference: ref, Scores: map[string]string{"pertinence": "7"}}); err != nil {
			t.Fatal(err)
		}
	}

	// The reminder (5 "days", seconds here, before the committee deadline).
	reminded := func() (bartN, ritaN int) {
		for _, m := range s.sink.Messages(t) {
			if !strings.Contains(m.Subject, "Comité "+call) {
				continue
			}
			switch m.Recipient() {
			case "bart@office.example":
				bartN++
			case "rita@office.example":
				ritaN++
			}
		}
		return
	}
	waitUntil(t, 45*time.Second, func() bool { b, _ := reminded(); return b > 0 })
	time.Sleep(2 * time.Second) // a second copy would have come by now
	if b, r := reminded(); b != 1 || r != 0 {
		t.Fatalf("reminders: %d to Bart, %d to Rita; want one to Bart, who has not returned", b, r)
	}
	if n := s.count(t, `SELECT count(*) FROM mail_log WHERE kind = 'committee-reminder' AND call_id = $1`, call); n != 1 {
		t.Fatalf("%d committee reminders in the outbox, want 1", n)
	}
	for _, ref := range []string{call + "-0001", call + "-0002"} {
		if _, err := svc.ReviewScore(ctx, bart, operations.ReviewScoreInput{CallID: call, Reference: ref, Scores: map[string]string{"pertinence": "5"}}); err != nil {
			t.Fatal(err)
		}
	}
	waitStage(t, s.env, call, workflows.StageProposed)
	testenv.SaveHistory(t, s.tc, workflows.CallWorkflowID(call), "call-committee-reminder")
}
