package demo_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// stack is the whole system on real services, driven by the replay
// (env) and the officer actions (svc): a Temporal dev server, a fresh
// PostgreSQL database, Mailpit, and a worker made as the worker binary
// makes it.
type stack struct {
	env  demo.Env
	svc  *operations.Service
	out  *bytes.Buffer
	db   *pgxpool.Pool
	tc   client.Client
	sink *testenv.Mailpit
	dir  string // OUTPUT_DIR
}

func newStack(t *testing.T) *stack {
	t.Helper()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	return stackOn(sys.Temporal, sys.DB, sys.Mailpit, sys.OutputDir)
}

// stackOn is the stack of a started worker.
func stackOn(tc client.Client, db *pgxpool.Pool, sink *testenv.Mailpit, dir string) *stack {
	buf := &bytes.Buffer{}
	return &stack{env: demo.Env{Temporal: tc, DB: db, Out: buf, By: officer.Name}, svc: &operations.Service{Temporal: tc, DB: db},
		out: buf, db: db, tc: tc, sink: sink, dir: dir}
}

// officer is who the tests act as.
var officer = operations.Actor{Name: "e2e-officer"}

func (s *stack) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func example(name string) string { return filepath.Join("..", "..", "examples", name) }
