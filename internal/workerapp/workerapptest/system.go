// Package workerapptest starts the whole system for a test, on real
// services: a fresh PostgreSQL database, a Temporal dev server, Mailpit,
// and a worker in the test process made as the worker binary makes it
// (workerapp.New). Every end-to-end suite starts it the same way here.
package workerapptest

import (
	"context"
	"testing"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// System is what a test drives and reads.
type System struct {
	DB          *pgxpool.Pool
	DatabaseURL string
	Temporal    client.Client
	Address     string // the Temporal frontend, for a process of the test's own
	Mailpit     *testenv.Mailpit
	OutputDir   string // the worker's OUTPUT_DIR
	worker      worker.Worker
	acts        *activities.Activities
}

// RestartWorker stops the worker and starts a new one: the next task of
// every workflow replays its history from the server (no cache), as
// after a deployment or a crash.
func (s *System) RestartWorker(t testing.TB) {
	t.Helper()
	s.worker.Stop()
	s.worker = workerapp.New(s.Temporal, s.acts, worker.Options{})
	if err := s.worker.Start(); err != nil {
		t.Fatal(err)
	}
}

// Options say what is there before the test starts.
type Options struct {
	// Government: the government entity is started (as the worker's
	// Bootstrap does); tests of Bootstrap itself leave it out.
	Government bool
}

// Start brings the system up for t; everything stops with it.
func Start(t testing.TB, opts Options) *System {
	t.Helper()
	db, dbURL := testenv.Postgres(t)
	tc, srv := testenv.Temporal(t)
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	acts := &activities.Activities{DB: db, Mailer: m, Temporal: tc, OutputDir: out}
	w := workerapp.New(tc, acts, worker.Options{})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	sys := &System{DB: db, DatabaseURL: dbURL, Temporal: tc, Address: srv.FrontendHostPort(), Mailpit: sink, OutputDir: out, worker: w, acts: acts}
	t.Cleanup(func() { sys.worker.Stop() })
	if opts.Government {
		if err := operations.EnsureGovernment(context.Background(), tc); err != nil {
			t.Fatal(err)
		}
	}
	return sys
}
