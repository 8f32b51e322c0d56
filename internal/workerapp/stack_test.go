package workerapp_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
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
	sys := workerapptest.Start(t, workerapptest.Options{})
	return &stack{db: sys.DB, tc: sys.Temporal, dir: sys.OutputDir}
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
