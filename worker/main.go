// Command worker runs callcycle's workflows and activities. It applies the
// database migrations at start, then polls the task queue until SIGINT or
// SIGTERM, finishing in-flight tasks before it exits.
//
// Besides the settings of internal/config (README, "Configuration"), it
// reads two variables of its own:
//
//	CALLCYCLE_MAIL_CLAIM_LEASE  how long a claimed mail is left to its
//	                            delivery attempt (tests that kill a worker)
//	WORKER_HTTP_ADDR            (internal/config) /livez, /readyz, /metrics;
//	                            `worker -healthcheck` asks its /readyz
//	WORKER_PPROF_ADDR           host:port for a net/http/pprof listener
//	                            (/debug/pprof/), e.g. 127.0.0.1:6060; unset
//	                            or empty: none. It has no authentication:
//	                            bind it to loopback. `go run ./bench
//	                            -profile DIR` sets it.
package main

import (
	"context"
	"flag"
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
	check := flag.Bool("healthcheck", false, "ask the running worker's /readyz (WORKER_HTTP_ADDR) and exit 0 when it is ready")
	flag.Parse()
	if *check {
		os.Exit(healthcheck(os.Getenv("WORKER_HTTP_ADDR")))
	}
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
	obs, err := startObserver(cfg.WorkerHTTPAddr, pool, log)
	if err != nil {
		return err
	}
	defer obs.close() // last: /livez answers while the work drains
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
	c, err := app.DialMetrics(cfg.Temporal, log, obs.metrics())
	if err != nil {
		return err
	}
	defer c.Close()
	obs.connected(c)

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
	fatal := make(chan error, 1)
	w := workerapp.New(c, acts, worker.Options{WorkerStopTimeout: cfg.WorkerStopTimeout,
		OnFatalError: func(err error) {
			select {
			case fatal <- err:
			default: // the first is enough
			}
		}})
	if err := workerapp.Bootstrap(ctx, c, workerapp.Schedules{AnnualReport: cfg.AnnualReport, IntakeRetention: cfg.IntakeRetention}); err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	obs.started()
	log.Info("worker started", "task_queue", workflows.TaskQueue, "temporal", cfg.Temporal.Address, "namespace", cfg.Temporal.Namespace)
	select {
	case <-ctx.Done():
		err = nil
	case err = <-fatal: // the namespace deleted, the server refusing the worker
	}
	// Not ready from here on; Stop stops polling and waits for running
	// tasks (WorkerStopTimeout).
	obs.stopping()
	w.Stop()
	if err != nil {
		return fmt.Errorf("worker stopped: %w", err)
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
