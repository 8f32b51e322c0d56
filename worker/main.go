// Command worker runs callcycle's workflows and activities. It applies the
// database migrations at start, then polls the task queue until SIGINT or
// SIGTERM, finishing in-flight tasks before it exits.
//
// Besides the settings of internal/config (README, "Configuration"), it
// reads two variables of its own:
//
//	CALLCYCLE_MAIL_CLAIM_LEASE  how long a claimed mail is left to its
//	                            delivery attempt (tests that kill a worker)
//	WORKER_PPROF_ADDR           host:port for a net/http/pprof listener
//	                            (/debug/pprof/), e.g. 127.0.0.1:6060; unset
//	                            or empty: none. It has no authentication:
//	                            bind it to loopback. `go run ./bench
//	                            -profile DIR` sets it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // Brussels time must not depend on the host's zoneinfo

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/workerapp"
	"github.com/callcycle/callcycle/migrations"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/worker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := app.Logger(cfg.LogLevel)
	cfg.WarnDeprecated(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	pool, err := app.OpenDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	applied, err := migrations.Up(ctx, pool)
	if err != nil {
		return err
	}
	log.Info("database ready", "migrations_applied", applied)

	m, err := mailer.New(mailer.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, User: cfg.SMTP.User, Password: cfg.SMTP.Password, TLS: cfg.SMTP.TLS, From: cfg.SMTP.From})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.OutputDir, 0o750); err != nil {
		return fmt.Errorf("OUTPUT_DIR: %w", err)
	}
	c, err := app.Dial(cfg.Temporal, log)
	if err != nil {
		return err
	}
	defer c.Close()

	if addr := os.Getenv("WORKER_PPROF_ADDR"); addr != "" {
		_, stopPprof, err := startPprof(addr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	lease, err := claimLease()
	if err != nil {
		return err
	}
	acts := &activities.Activities{DB: pool, Mailer: m, Temporal: c, OutputDir: cfg.OutputDir, Log: log, ClaimLease: lease}
	// On SIGTERM the worker stops polling and gives running activities
	// WORKER_STOP_TIMEOUT to finish: a mail delivery stops after the mail
	// in flight and hands the rest back (activities.DeliverMail).
	w := workerapp.New(c, acts, worker.Options{WorkerStopTimeout: cfg.WorkerStopTimeout})
	if err := workerapp.Bootstrap(ctx, c, workerapp.Schedules{AnnualReport: cfg.AnnualReport, IntakeRetention: cfg.IntakeRetention}); err != nil {
		return err
	}
	log.Info("worker started", "task_queue", workflows.TaskQueue, "temporal", cfg.Temporal.Address, "namespace", cfg.Temporal.Namespace)
	// worker.Run stops polling on the signal and waits for running tasks.
	if err := w.Run(ctxInterrupt(ctx)); err != nil {
		return err
	}
	log.Info("worker stopped")
	return nil
}

// claimLease reads CALLCYCLE_MAIL_CLAIM_LEASE, a knob for tests that kill
// a worker mid-delivery (unset: activities.DefaultClaimLease). A lease
// shorter than the heartbeat timeout would let a live attempt be
// overtaken, so it is refused.
func claimLease() (time.Duration, error) {
	v, ok := os.LookupEnv("CALLCYCLE_MAIL_CLAIM_LEASE")
	if !ok || v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= workflows.MailHeartbeatTimeout {
		return 0, fmt.Errorf("CALLCYCLE_MAIL_CLAIM_LEASE=%q: want a duration above the mail heartbeat timeout (%s)", v, workflows.MailHeartbeatTimeout)
	}
	return d, nil
}

func ctxInterrupt(ctx context.Context) <-chan interface{} {
	ch := make(chan interface{})
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}
