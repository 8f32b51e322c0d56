package main_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
)

// drainTimeout is the first worker's WORKER_STOP_TIMEOUT.
const drainTimeout = 20 * time.Second

// Issue 12 point 7: the worker is stopped with SIGTERM while a delivery
// is under way. It must finish the mail in flight, hand the rest back
// and exit by itself within WORKER_STOP_TIMEOUT, leaving no row claimed
// (none waits for a lease) and no mail in doubt; a new worker then sends
// the rest, and every mail reaches the relay exactly once.
func TestWorkerDrainsOnSIGTERM(t *testing.T) {
	testenv.ServiceTest(t) // builds, starts and stops worker processes
	db, dbURL := testenv.Postgres(t)
	tc, srv := testenv.Temporal(t)
	sink := testenv.StartMailpit(t)
	bin := filepath.Join(t.TempDir(), "worker")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build ./worker: %v\n%s", err, out)
	}
	relay := slowProxy(t, sink.SMTPPort, 3*time.Millisecond) // a delivery long enough to stop midway
	logs := t.TempDir()
	logOf := func(n int) string {
		b, _ := os.ReadFile(filepath.Join(logs, fmt.Sprintf("worker-%d.log", n)))
		return string(b)
	}
	start := func(n int) *exec.Cmd {
		t.Helper()
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+srv.FrontendHostPort(), "TEMPORAL_NAMESPACE=default",
			"DATABASE_URL="+dbURL, "SMTP_HOST=127.0.0.1", "SMTP_PORT="+strconv.Itoa(relay), "SMTP_TLS=none",
			"OUTPUT_DIR="+t.TempDir(), "LOG_LEVEL=info", "WORKER_STOP_TIMEOUT="+drainTimeout.String())
		f, err := os.Create(filepath.Join(logs, fmt.Sprintf("worker-%d.log", n)))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); f.Close() })
		return cmd
	}
	ctx := context.Background()
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}

	first := start(1)
	wait(t, "the first worker to start", 2*time.Minute, func() bool { return strings.Contains(logOf(1), "worker started") })
	cfg, err := os.ReadFile(callFile(t))
	if err != nil {
		t.Fatal(err)
	}
	svc := &operations.Service{Temporal: tc, DB: db}
	if _, err := svc.Launch(ctx, operations.Actor{Name: "e2e-officer"}, operations.LaunchInput{Call: cfg, Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	wait(t, "the delivery to be under way", 2*time.Minute, func() bool { return len(sink.Messages(t)) >= 20 })
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("the worker exited with %v after SIGTERM:\n%s", err, logOf(1))
		}
	case <-time.After(drainTimeout + 15*time.Second):
		t.Fatalf("the worker did not exit within %s of SIGTERM:\n%s", drainTimeout+15*time.Second, logOf(1))
	}
	took := time.Since(stopped)
	if !strings.Contains(logOf(1), "worker stopped") {
		t.Errorf("the worker did not log its orderly stop:\n%s", logOf(1))
	}
	sent := count(`SELECT count(*) FROM mail_log WHERE status = 'sent'`)
	if sent == contacts {
		t.Fatal("the delivery had finished when the worker stopped: the test proves nothing")
	}
	// Drained, not cut off: the rows the attempt held are back to pending,
	// none is in doubt, and the attempt said why it stopped.
	if held := count(`SELECT count(*) FROM mail_log WHERE status = 'sending'`); held != 0 {
		t.Errorf("%d rows left claimed by the stopped worker (they would wait for the claim lease)", held)
	}
	if doubt := count(`SELECT count(*) FROM mail_log WHERE in_doubt`); doubt != 0 {
		t.Errorf("%d mails in doubt: the mail in flight was not recorded", doubt)
	}
	if n := count(`SELECT count(*) FROM mail_log WHERE last_error LIKE 'the worker is stopping%'`); n == 0 {
		t.Errorf("no row was handed back by a draining delivery (last_error); the attempt ended some other way")
	}
	t.Logf("SIGTERM with the delivery under way: the worker exited after %s with %d of %d mails sent", took.Round(time.Millisecond), sent, contacts)

	start(2)
	wait(t, "the second worker to send the rest", 3*time.Minute, func() bool {
		return count(`SELECT count(*) FROM mail_log WHERE status <> 'sent'`) == 0
	})
	if n := count(`SELECT count(*) FROM mail_log WHERE status = 'sending' OR claim_token IS NOT NULL AND status <> 'sent'`); n != 0 {
		t.Errorf("%d rows still claimed", n)
	}
	if n := count(`SELECT COALESCE(sum(resends), 0) FROM mail_log`); n != 0 {
		t.Errorf("%d resends counted: a drain must not send a mail twice", n)
	}
	inSink := map[string]int{}
	msgs := sink.Messages(t)
	for _, m := range msgs {
		inSink[m.MessageID]++
	}
	rows, err := db.Query(ctx, `SELECT message_id FROM mail_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		n++
		if inSink[id] != 1 {
			t.Errorf("Message-ID %s is in the sink %d times, want once", id, inSink[id])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != contacts || len(msgs) != contacts || len(inSink) != contacts {
		t.Fatalf("outbox %d rows, sink %d mails with %d distinct Message-IDs, want %d each", n, len(msgs), len(inSink), contacts)
	}
}
