package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
)

// faultsAt runs the replay patiently and, before the grant step's n-th
// action, does the fault planned for it.
type faultsAt struct {
	t      *testing.T
	n      int
	faults map[int]func()
}

func (f *faultsAt) Run(ctx context.Context, a demo.Action) error {
	if a.Step == "grants" {
		f.n++
		if fault := f.faults[f.n]; fault != nil {
			f.t.Logf("grants, action %d (%s): fault", f.n, a.What)
			fault()
		}
	}
	return demo.Patient{}.Run(ctx, a)
}

// Issue 14 point 3: the 2024 replay on the real cluster with two worker
// processes polling the task queue. In the middle of the grant stage one
// worker is killed (SIGKILL) and never comes back; later the Temporal
// server process is restarted. The survivor finishes the calls and every
// grant: the report is the uninterrupted replay's to the cent, every
// mail reached the relay once (or once more per resend it counted), and
// every tranche was paid once.
func TestTwoWorkersSurviveAKillAndAServerRestart(t *testing.T) {
	t.Parallel()
	db, dbURL := testenv.Postgres(t)
	tc, srv := testenv.TemporalOf(t, launcher.KindCluster)
	sink := testenv.StartMailpit(t)
	logs := t.TempDir()
	var workers []*launcher.Worker
	for i := 1; i <= 2; i++ {
		workers = append(workers, testenv.StartWorker(t, launcher.WorkerOptions{TemporalAddress: srv.FrontendHostPort(),
			DatabaseURL: dbURL, SMTPPort: sink.SMTPPort, LogPath: filepath.Join(logs, fmt.Sprintf("worker-%d.log", i)),
			// The dead worker's mail claims expire sooner than the default
			// 2 min (still above the mail heartbeat timeout, 1 min).
			Env: []string{"CALLCYCLE_MAIL_CLAIM_LEASE=65s"}}))
	}
	ctx := context.Background()
	pollers := 0
	for end := time.Now().Add(time.Minute); pollers < 2 && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		d, err := tc.DescribeTaskQueue(ctx, workflows.TaskQueue, enums.TASK_QUEUE_TYPE_ACTIVITY)
		if err == nil {
			pollers = len(d.GetPollers())
		}
	}
	if pollers < 2 {
		t.Fatalf("%d worker(s) poll %s, want both", pollers, workflows.TaskQueue)
	}
	var out bytes.Buffer
	r, err := demo.New(demo.Env{Temporal: tc, DB: db, Out: &out, By: officer.Name}, example("2024"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	killed, restarted := false, false
	r.Runner = &faultsAt{t: t, faults: map[int]func(){
		// A few grants in: the others are running, waiting for their
		// signature, the first ones paying and mailing.
		8: func() { workers[0].Kill(); killed = true },
		30: func() {
			rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			if err := srv.Restart(rctx); err != nil {
				t.Fatalf("restart the Temporal server: %v", err)
			}
			restarted = true
		},
	}}
	res, err := r.Run(ctx, "", filepath.Join(t.TempDir(), "annual-report-2024.xlsx"))
	t.Logf("replay:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !killed || !restarted {
		t.Fatalf("the grant step ran too few actions for the faults (worker killed %v, server restarted %v)", killed, restarted)
	}
	checkFigures(t, "", res)
	checkEveryMailOnce(t, db, sink)
	checkEveryTranchePaidOnce(t, db)
}

// checkEveryMailOnce: no mail is left unsent, and each one reached the
// relay at least once and at most once more per resend the outbox
// counted (a delivery cut between the relay's answer and the row's
// update is resent, and counted).
func checkEveryMailOnce(t *testing.T, db *pgxpool.Pool, sink *testenv.Mailpit) {
	t.Helper()
	inSink := map[string]int{}
	for _, m := range sink.Messages(t) {
		inSink[m.MessageID]++
	}
	rows, err := db.Query(context.Background(), `SELECT message_id, status, resends FROM mail_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, status string
		var resends int
		if err := rows.Scan(&id, &status, &resends); err != nil {
			t.Fatal(err)
		}
		n++
		switch {
		case status != "sent":
			t.Errorf("Message-ID %s left %s", id, status)
		case inSink[id] == 0:
			t.Errorf("Message-ID %s marked sent, not in the sink", id)
		case inSink[id] > 1+resends:
			t.Errorf("Message-ID %s in the sink %d times, %d resends counted", id, inSink[id], resends)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 || len(inSink) != n {
		t.Fatalf("outbox %d mails, sink %d distinct Message-IDs", n, len(inSink))
	}
	t.Logf("%d mails, each delivered once", n)
}

// checkEveryTranchePaidOnce: every grant is closed with each of its
// tranches paid; the ledger's key (grant, tranche, kind) holds one
// payment per tranche, so a second confirmation could not add a row, and
// the amounts paid are each grant's whole amount.
func checkEveryTranchePaidOnce(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	var grants, open, payments, unpaid int
	var wrong []string
	err := db.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM grants),
		(SELECT count(*) FROM grants WHERE closed_at IS NULL),
		(SELECT count(*) FROM ledger WHERE kind = 'payment'),
		(SELECT count(*) FROM ledger WHERE kind = 'payment' AND paid_on IS NULL),
		(SELECT coalesce(array_agg(g.grant_id), '{}') FROM grants g
			WHERE g.granted_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM ledger l WHERE l.grant_id = g.grant_id AND l.kind = 'payment'))`).
		Scan(&grants, &open, &payments, &unpaid, &wrong)
	if err != nil {
		t.Fatal(err)
	}
	if grants == 0 || open > 0 || unpaid > 0 || len(wrong) > 0 || payments < grants {
		t.Fatalf("%d grants, %d not closed; %d payments, %d unpaid; grants not paid their amount exactly: %v", grants, open, payments, unpaid, wrong)
	}
	t.Logf("%d grants closed, %d tranches paid once each", grants, payments)
}
