package main_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
)

// contacts is how many launch announcements the delivery sends.
const contacts = 400

// Issue 11 point 2: the worker process is killed (SIGKILL) while a
// delivery is under way; a new worker is started and nothing else is
// done. Every mail of the outbox must still reach the relay, including
// those the dead attempt had claimed, and none may be left unsent.
func TestWorkerKilledMidDeliverySendsEveryMail(t *testing.T) {
	testenv.ServiceTest(t) // builds and kills a worker process; waits out a claim lease
	db, dbURL := testenv.Postgres(t)
	tc, srv := testenv.Temporal(t)
	sink := testenv.StartMailpit(t)
	// A relay slowed to a few ms per reply, so the delivery lasts long
	// enough to be killed in the middle.
	relay := slowProxy(t, sink.SMTPPort, 3*time.Millisecond)
	logs := t.TempDir()
	start := func(n int) *launcher.Worker { // returns once the worker says it started
		t.Helper()
		return testenv.StartWorker(t, launcher.WorkerOptions{TemporalAddress: srv.FrontendHostPort(),
			DatabaseURL: dbURL, SMTPPort: relay, LogPath: filepath.Join(logs, fmt.Sprintf("worker-%d.log", n)),
			// Above the mail heartbeat timeout (1 min), below the default 2 min.
			Env: []string{"CALLCYCLE_MAIL_CLAIM_LEASE=65s"}})
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

	cfg, err := os.ReadFile(callFile(t))
	if err != nil {
		t.Fatal(err)
	}
	svc := &operations.Service{Temporal: tc, DB: db}
	if _, err := svc.Launch(ctx, operations.Actor{Name: "e2e-officer"}, operations.LaunchInput{Call: cfg, Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	wait(t, "the delivery to be under way", 2*time.Minute, func() bool { return len(sink.Messages(t)) >= 20 })
	first.Kill()
	held := count(`SELECT count(*) FROM mail_log WHERE status = 'sending'`)
	if held == 0 || count(`SELECT count(*) FROM mail_log WHERE status = 'sent'`) == contacts {
		t.Fatalf("the delivery was not under way when the worker was killed (%d rows held): the test proves nothing", held)
	}
	t.Logf("killed the worker with %d mails in the sink, %d rows held by its attempt", len(sink.Messages(t)), held)

	start(2) // and nothing else
	left := -1
	wait(t, "every mail to be sent (the last line above says how many were left)", 6*time.Minute, func() bool {
		n := count(`SELECT count(*) FROM mail_log WHERE status <> 'sent'`)
		if n != left {
			t.Logf("%d mails unsent", n)
		}
		left = n
		return n == 0
	})
	inSink := map[string]int{}
	for _, m := range sink.Messages(t) {
		inSink[m.MessageID]++
	}
	rows, err := db.Query(ctx, `SELECT message_id, resends FROM mail_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, resent := 0, 0
	for rows.Next() {
		var id string
		var resends int
		if err := rows.Scan(&id, &resends); err != nil {
			t.Fatal(err)
		}
		n++
		resent += resends
		if inSink[id] == 0 {
			t.Errorf("Message-ID %s marked sent, not in the sink", id)
		}
		if inSink[id] > 1+resends {
			t.Errorf("Message-ID %s in the sink %d times, %d resends counted", id, inSink[id], resends)
		}
	}
	if n != contacts || len(inSink) != contacts {
		t.Fatalf("outbox %d rows, sink %d distinct Message-IDs, want %d each", n, len(inSink), contacts)
	}
	t.Logf("%d mails delivered, %d resends counted", n, resent)
}

// callFile is the example call with `contacts` addresses to announce to.
func callFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", "call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(b), "\nannounce_to:")
	if !ok {
		t.Fatal("examples/call-ap-sud-2030.yaml has no announce_to list")
	}
	var sb strings.Builder
	sb.WriteString(head + "\nannounce_to:\n")
	for i := range contacts {
		fmt.Fprintf(&sb, "  - {email: ngo%d@crash.example, language: fr}\n", i)
	}
	p := filepath.Join(t.TempDir(), "call.yaml")
	if err := os.WriteFile(p, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// wait polls cond until it holds, failing after within (a bound on a
// stuck run, not a timing assertion).
func wait(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(within); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s after %s", what, within)
		}
	}
}

// slowProxy forwards TCP to the relay at port, delaying each chunk the
// relay sends back.
func slowProxy(t *testing.T, port int, delay time.Duration) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(r, c); r.Close() }()
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := r.Read(buf)
					if n > 0 {
						time.Sleep(delay)
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}
