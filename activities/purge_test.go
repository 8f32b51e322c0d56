package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/intake"
)

const (
	tokOld     = "a0000000-0000-4000-8000-000000000001" // abandoned, staged before import_id existed
	tokDead    = "a0000000-0000-4000-8000-000000000002" // abandoned by a CLI that died
	tokYoung   = "a0000000-0000-4000-8000-000000000003" // not old enough
	tokAlive   = "a0000000-0000-4000-8000-000000000004" // old, but its import is still running
	tokLocked  = "a0000000-0000-4000-8000-000000000005" // old, being moved by a transaction right now
	tokEdge    = "a0000000-0000-4000-8000-000000000006" // a minute younger than the retention
	importDead = "b0000000-0000-4000-8000-000000000001"
	importLive = "b0000000-0000-4000-8000-000000000002"
)

// age backdates an inbox row and names the import that staged it.
func (f *fixture) age(t *testing.T, token string, age time.Duration, importID any) {
	t.Helper()
	if _, err := f.db.Exec(context.Background(), `UPDATE intake_inbox SET created_at = now() - make_interval(secs => $2), import_id = $3 WHERE token = $1`,
		token, age.Seconds(), importID); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) inbox(t *testing.T, token string) bool {
	return f.count(t, `SELECT count(*) FROM intake_inbox WHERE token = $1`, token) == 1
}

func TestPurgeIntakeDeletesOnlyAbandonedRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const day = 24 * time.Hour
	for _, tok := range []string{tokOld, tokDead, tokYoung, tokAlive, tokLocked, tokEdge, tok1} {
		f.stage(t, tok, "awa@twende.example", "fr")
	}
	f.age(t, tokOld, 3*day, nil)
	f.age(t, tokDead, 25*time.Hour, importDead)
	f.age(t, tokYoung, time.Hour, importDead)
	f.age(t, tokEdge, day-time.Minute, nil)
	f.age(t, tokAlive, 30*day, importLive)
	f.age(t, tokLocked, 2*day, nil)
	// A consumed row: its application holds the data, the inbox row is gone.
	f.age(t, tok1, 2*day, nil)
	f.run(t, f.acts.RecordApplications, batch(tok1), nil)

	// A live CLI holds its import's lock, as Env.holdImport does.
	cli, err := f.db.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Release()
	if _, err := cli.Exec(ctx, `SELECT pg_advisory_lock_shared($1, hashtext($2::uuid::text))`, intake.ImportLockClass, importLive); err != nil {
		t.Fatal(err)
	}
	// RecordApplications in the middle of moving a row.
	tx, err := f.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM intake_inbox WHERE token = $1 FOR UPDATE`, tokLocked); err != nil {
		t.Fatal(err)
	}

	var res activities.PurgeIntakeResult
	in := activities.PurgeIntakeInput{Run: "purge-1/run", Retention: day, BatchSize: 1} // one row per transaction
	f.run(t, f.acts.PurgeIntake, in, &res)
	if res.Purged != 2 || res.KeptAlive != 2 {
		t.Fatalf("first run: %+v, want 2 purged and 2 kept alive", res)
	}
	for tok, want := range map[string]bool{tokOld: false, tokDead: false, tokYoung: true, tokEdge: true, tokAlive: true, tokLocked: true} {
		if got := f.inbox(t, tok); got != want {
			t.Errorf("row %s present = %v, want %v", tok, got, want)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM applications WHERE reference = 'AP-TEST-2024-0001' AND email = 'awa@twende.example'`); n != 1 {
		t.Error("the consumed application lost its data")
	}
	if n := f.count(t, `SELECT count(*) FROM purge_log WHERE run = 'purge-1/run' AND target = 'intake_inbox' AND purged = 2
		AND kept_alive = 2 AND retention = interval '24 hours' AND purged_by = $1 AND finished_at IS NOT NULL`, activities.PurgedBy); n != 1 {
		t.Error("purge_log does not record the run")
	}

	// A retried attempt of the same run reports the run's total once.
	f.run(t, f.acts.PurgeIntake, in, &res)
	if res.Purged != 2 {
		t.Fatalf("retried run: %+v", res)
	}
	// The next run finds nothing more while the import runs and the row is locked.
	f.run(t, f.acts.PurgeIntake, activities.PurgeIntakeInput{Run: "purge-2/run", Retention: day}, &res)
	if res.Purged != 0 || res.KeptAlive != 2 {
		t.Fatalf("second run: %+v", res)
	}

	// Once the transaction is gone (rolled back) and the CLI has died,
	// both rows are abandoned.
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := cli.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if err := cli.Conn().Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The server ends the closed session, and frees its lock, a moment
	// after the client has hung up: the CLI has died once its backend is gone.
	waitBackendGone(t, f, pid)
	f.run(t, f.acts.PurgeIntake, activities.PurgeIntakeInput{Run: "purge-3/run", Retention: day}, &res)
	if res.Purged != 2 || res.KeptAlive != 0 || f.inbox(t, tokAlive) || f.inbox(t, tokLocked) {
		t.Fatalf("third run: %+v", res)
	}
	if n := f.count(t, `SELECT count(*) FROM intake_inbox`); n != 2 {
		t.Fatalf("inbox rows left = %d, want the 2 young ones", n)
	}
	if n := f.count(t, `SELECT sum(purged) FROM purge_log`); n != 4 {
		t.Fatalf("purge_log total = %d", n)
	}
}

func TestPurgeIntakeRefusesAShortRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.env.ExecuteActivity(f.acts.PurgeIntake, activities.PurgeIntakeInput{Run: "r", Retention: time.Minute})
	if err == nil {
		t.Fatal("a one-minute retention was accepted")
	}
	if n := f.count(t, `SELECT count(*) FROM purge_log`); n != 0 {
		t.Fatal("a refused run was logged")
	}
}

// waitBackendGone waits until PostgreSQL's backend pid has exited.
func waitBackendGone(t *testing.T, f *fixture, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.count(t, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("backend %d still there 10 s after its connection closed", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
