package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// stack is one self-started set of services (internal/launcher): a
// Temporal dev server with a state file, Mailpit with a database file, a
// fresh PostgreSQL database and the real worker binary, all in dir.
type stack struct {
	name, dir string
	opts      launcher.StackOptions
	ls        *launcher.Stack
	work      *workerProc
	adminURL  string
	tc        client.Client
	db        *pgxpool.Pool
	env       demo.Env
	log       *eventLog
}

// tool finds a cached binary as every launcher caller does (its variable,
// CALLCYCLE_TEMPORAL_BIN or CALLCYCLE_MAILPIT_BIN, included).
func tool(_, name, root string) (string, error) {
	t, err := launcher.LocateTools(root, os.Getenv)
	if err != nil {
		return "", err
	}
	if name == "mailpit" {
		return t.Mailpit(), nil
	}
	return t.Temporal(), nil
}

func newStack(name, parent, root, temporalBin, mailpitBin, workerBin string, log *eventLog) (*stack, error) {
	s := &stack{name: name, dir: filepath.Join(parent, name), log: log,
		adminURL: os.Getenv("CALLCYCLE_TEST_DATABASE_URL")}
	if s.adminURL == "" {
		s.adminURL = launcher.DefaultAdminURL
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, err
	}
	clientLog, err := os.Create(filepath.Join(s.dir, "client.log"))
	if err != nil {
		return nil, err
	}
	s.work = &workerProc{s: s, logPath: filepath.Join(s.dir, "worker.log")}
	s.opts = launcher.StackOptions{Root: root, Dir: s.dir,
		Tools:    launcher.Tools{TemporalBin: temporalBin, MailpitBin: mailpitBin},
		Postgres: launcher.PostgresOptions{AdminURL: s.adminURL}, DBPrefix: "cc_chaos_",
		WorkerBin: workerBin, ClientLog: clientLog,
		// A crash of a service we did not kill is a finding: log it and
		// bring the service back, as an operator's supervisor would.
		OnExit: func(p *launcher.Process, err error) {
			log.add("%s: %s exited by itself (%v); restarting it in 1 s", s.name, p.Name, err)
			time.Sleep(time.Second)
			if _, err := p.Revive(); err != nil {
				log.add("%s: %v", s.name, err)
			}
		}}
	return s, nil
}

// up starts everything and connects the officer's Env (By: "chaos").
func (s *stack) up(ctx context.Context) error {
	ls, err := launcher.StartStack(ctx, s.opts)
	if err != nil {
		return err
	}
	s.ls, s.tc, s.db = ls, ls.Temporal.Client(), ls.DB.Pool
	out, err := os.Create(filepath.Join(s.dir, "replay.log"))
	if err != nil {
		return err
	}
	s.env = demo.Env{Temporal: s.tc, DB: s.db, Out: out, By: "chaos"}
	return nil
}

func (s *stack) api(path string) string { return s.ls.MailpitAPI + path }

// down stops everything (the worker gently) and drops the database.
func (s *stack) down() {
	if s.ls != nil {
		s.ls.Stop()
	}
}

// workerProc is the worker as the driver and the injector handle it: a
// signal, then a start that does not wait (the replay's retries do).
type workerProc struct {
	s       *stack
	logPath string
}

func (w *workerProc) stop(sig syscall.Signal, grace time.Duration) {
	p := w.s.ls.Worker.Process()
	switch sig {
	case syscall.SIGKILL:
		p.Kill()
	case syscall.SIGTERM:
		p.Stop(grace)
	default:
		p.Signal(sig, grace)
	}
}

func (w *workerProc) start() error { return w.s.ls.Worker.Process().Start() }

func waitFor(ctx context.Context, within time.Duration, ok func() bool) error {
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
