package workerapp_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// stack is a Temporal dev server, a fresh database, Mailpit and a worker
// made as the worker binary makes it (workerapp.New).
type stack struct {
	db  *pgxpool.Pool
	tc  client.Client
	dir string // OUTPUT_DIR
}

func newStack(t *testing.T) *stack {
	t.Helper()
	db, _ := testenv.Postgres(t)
	tc, _ := testenv.Temporal(t)
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	w := workerapp.New(tc, &activities.Activities{DB: db, Mailer: m, Temporal: tc, OutputDir: out}, worker.Options{})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &stack{db: db, tc: tc, dir: out}
}

func (s *stack) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func waitUntil(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in time")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
