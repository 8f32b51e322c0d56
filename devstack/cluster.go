package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
)

// upFlags are `up`'s options: the stack kind and, for a cluster, how many
// workers and whether an older Temporal schema may be upgraded.
type upFlags struct {
	kind    string
	workers int
	upgrade bool
}

func parseUp(args []string) (upFlags, error) {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	var f upFlags
	fs.StringVar(&f.kind, "kind", string(launcher.KindDev), "stack kind: "+strings.Join(launcher.Kinds(), " or "))
	fs.IntVar(&f.workers, "workers", 0, "worker processes (default 1 for dev, 2 for cluster)")
	fs.BoolVar(&f.upgrade, "upgrade-schema", os.Getenv("CALLCYCLE_UPGRADE_SCHEMA") != "",
		"cluster: bring an older Temporal schema up to the server's version (back it up first)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if f.kind != string(launcher.KindDev) && f.kind != string(launcher.KindCluster) {
		return f, fmt.Errorf("--kind %q: want %s", f.kind, strings.Join(launcher.Kinds(), " or "))
	}
	return f, nil
}

// clusterRun is the cluster stack's folder, beside the dev stack's, so
// that both run at once and `down` stops each.
func (d *dev) clusterRun() string { return filepath.Join(d.run, "cluster") }

// clusterSettings are the cluster stack's settings (README "make
// cluster"): its own callcycle database, Temporal's two databases, and
// the namespace retention.
type clusterSettings struct {
	databaseURL, temporalURL string
	ownDatabase              bool // the default database, made here if missing
	retention                time.Duration
}

func (d *dev) clusterSettings(port int) (clusterSettings, error) {
	s := clusterSettings{databaseURL: os.Getenv("CALLCYCLE_CLUSTER_DATABASE_URL"),
		temporalURL: os.Getenv("CALLCYCLE_TEMPORAL_DATABASE_URL"), retention: launcher.DefaultRetention}
	local := func(db string) string {
		return fmt.Sprintf("postgres://callcycle:callcycle@localhost:%d/%s?sslmode=disable", port, db)
	}
	if s.databaseURL == "" {
		s.databaseURL, s.ownDatabase = local("callcycle_cluster"), true
	}
	if s.temporalURL == "" {
		s.temporalURL = local("callcycle_temporal")
	}
	if r := os.Getenv("CALLCYCLE_NAMESPACE_RETENTION"); r != "" {
		var err error
		if s.retention, err = launcher.ParseRetention(r); err != nil {
			return s, fmt.Errorf("CALLCYCLE_NAMESPACE_RETENTION: %w", err)
		}
	}
	return s, nil
}

// clusterUp is `up --kind cluster`: the real Temporal server on
// PostgreSQL, its read-only UI, Mailpit and f.workers workers, detached,
// on ClusterStackPorts. Bad settings stop it before anything is made.
func (d *dev) clusterUp(ctx context.Context, f upFlags) error {
	if err := d.tools.Ensure(ctx); err != nil {
		return err
	}
	if err := d.tools.EnsureCluster(ctx); err != nil {
		return err
	}
	c, err := d.pgCluster(ctx)
	if err != nil {
		return err
	}
	set, err := d.clusterSettings(c.Port)
	if err != nil {
		return err
	}
	if err := d.build(ctx); err != nil {
		return err
	}
	run := d.clusterRun()
	opts := launcher.StackOptions{Root: d.root, Dir: run, LogDir: filepath.Join(run, "logs"),
		Tools: d.tools, Ports: launcher.ClusterStackPorts, DatabaseURL: set.databaseURL,
		TemporalKind: launcher.KindCluster, Workers: max(f.workers, 2), Progress: os.Stderr,
		Cluster: launcher.ClusterOptions{DatabaseURL: set.temporalURL, Ports: launcher.ClusterDevPorts,
			Retention: set.retention, UpgradeSchema: f.upgrade},
		WorkerBin: filepath.Join(d.root, "bin", "worker"), Detach: true,
		Portal: true, PortalBin: filepath.Join(d.root, "bin", "portal"), IDPUsers: idpUsers()}
	if os.Getenv("OUTPUT_DIR") == "" {
		opts.WorkerEnv = append(opts.WorkerEnv, "OUTPUT_DIR="+filepath.Join(d.root, "out", "cluster"))
	}
	if err := os.MkdirAll(run, 0o755); err != nil {
		return err
	}
	// The callcycle role first (as `devstack db` makes it: on a fresh
	// machine the default settings name it), then the checks, before the
	// cluster's own database is made: a bad setting changes nothing of it.
	if err := launcher.AsPostgres(ctx, c, launcher.DevRoleSQL); err != nil {
		return err
	}
	if err := launcher.Preflight(ctx, opts); err != nil {
		return clusterHint(err)
	}
	if set.ownDatabase {
		if err := launcher.AsPostgres(ctx, c, clusterDatabaseSQL); err != nil {
			return err
		}
	}
	logf("starting (or reusing) the Temporal server %s on PostgreSQL, its UI, Mailpit and %d workers", launcher.TemporalServerVersion, opts.Workers)
	s, err := launcher.StartStack(ctx, opts)
	if err != nil {
		return clusterHint(err)
	}
	s.Stop() // closes our connections; detached services keep running
	tokens := filepath.Join(run, "tokens.env")
	if err := seedUsers(ctx, set.databaseURL, s.PortalURL, tokens); err != nil {
		return err
	}
	logs := strings.Join(append(launcher.Services(launcher.KindCluster, opts.Workers), launcher.FrontServices...), ",")
	fmt.Printf(`
callcycle cluster stack is up (Temporal server %s on PostgreSQL, %d workers)
  Temporal UI     %s   (read-only)
  Mailpit         http://localhost:%d   (SMTP localhost:%d)
  Temporal gRPC   %s   namespace default, closed workflows kept %s
  DATABASE_URL    %s
  Temporal DB     %s (and its _visibility)
  Workers         %s   (/readyz, /livez, /metrics)
  Portal API      %s   (health and metrics: http://127.0.0.1:%d/readyz)
  Logs            %s/{%s}.log
  starter         source %s   (CALLCYCLE_URL and the demo staff's tokens; the operator's way, as the system: TEMPORAL_ADDRESS=%s and DATABASE_URL)
  2024 replay     make cluster-demo-2024
%s`, launcher.TemporalServerVersion, opts.Workers, s.TemporalUI, opts.Ports.MailpitUI, opts.Ports.SMTP,
		s.TemporalAddress, launcher.FormatRetention(set.retention), launcher.Redact(set.databaseURL),
		launcher.Redact(set.temporalURL), workerURLs(opts.Ports, opts.Workers), s.PortalURL, opts.Ports.PortalOps, opts.LogDir, logs, relative(d.root, tokens), s.TemporalAddress, signInHelp(s.PortalURL))
	return nil
}

// clusterDatabaseSQL makes the cluster stack's own callcycle database (the
// dev stack's is "callcycle": two stacks' workers must not share one).
const clusterDatabaseSQL = `SELECT 'CREATE DATABASE callcycle_cluster OWNER callcycle' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'callcycle_cluster') \gexec
`

// clusterHint adds to a bad setting's message the setting that changes it.
func clusterHint(err error) error {
	var old *launcher.SchemaTooOldError
	var auth *launcher.DatabaseAuthError
	var port *launcher.PortTakenError
	switch {
	case errors.As(err, &old):
		return fmt.Errorf("%w\n  to upgrade: make cluster UPGRADE_SCHEMA=1 (devstack up --kind cluster --upgrade-schema)", err)
	case errors.As(err, &auth):
		return fmt.Errorf("%w\n  the role and password are CALLCYCLE_TEMPORAL_DATABASE_URL's (default postgres://callcycle:callcycle@localhost:5432/callcycle_temporal)", err)
	case errors.As(err, &port):
		return fmt.Errorf("%w\n  `make status` shows whether it is callcycle's own stack; `make down` stops that", err)
	}
	return err
}

// workerURLs are the workers' health and metrics addresses.
func workerURLs(p launcher.Ports, n int) string {
	var urls []string
	for i := range n {
		urls = append(urls, "http://"+p.WorkerHTTPAddr(i))
	}
	return strings.Join(urls, ", ")
}
