// Command devstack is the local stack without Docker: PostgreSQL (the
// Debian cluster), a Temporal dev server, Mailpit and the callcycle worker
// on loopback, started by internal/launcher. Make's targets call it.
//
//	go run ./devstack up [--kind cluster] [--workers N] [--upgrade-schema]
//	go run ./devstack down | status   both stacks
//	go run ./devstack logs [--kind cluster] [service…]
//	go run ./devstack tools [--kind cluster]   build the pinned tools if missing
//	go run ./devstack db              start PostgreSQL, create the callcycle role and database
//	go run ./devstack build           bin/worker and bin/starter
//	go run ./devstack test-env [--] CMD…   tools + db, then CMD with the test variables
//
// What `up` starts is recorded in .run/ (.run/cluster/ for --kind
// cluster: the real Temporal server on PostgreSQL, its read-only Web UI,
// Mailpit and two workers, on the dev ports plus 10000, so both run at
// once), so that `down` stops only that.
// Settings (read here only): CALLCYCLE_TOOLS (default .tools),
// DATABASE_URL (a database to use as it is), CALLCYCLE_PG_CLUSTER
// ("15 main"; default the cluster on the lowest port),
// CALLCYCLE_TEST_DATABASE_URL, LOG_LINES; for --kind cluster
// CALLCYCLE_CLUSTER_DATABASE_URL (callcycle's database, default
// callcycle_cluster), CALLCYCLE_TEMPORAL_DATABASE_URL (Temporal's, default
// callcycle_temporal and callcycle_temporal_visibility),
// CALLCYCLE_NAMESPACE_RETENTION (default 3650d), CALLCYCLE_UPGRADE_SCHEMA;
// the worker's own variables
// (README "Configuration") win over the stack's for `up`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/callcycle/callcycle/internal/launcher"
)

const usage = "usage: devstack up [--kind cluster] | down | status | logs [--kind cluster] [service…] | tools [--kind cluster] | db | build | test-env [--] CMD…"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fail(2, usage)
	}
	d, err := newDev(ctx)
	if err != nil {
		fail(1, err.Error())
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "up":
		err = d.up(ctx, args)
	case "down":
		err = d.down(ctx)
	case "status":
		err = d.status(ctx)
	case "logs":
		err = d.logs(args)
	case "tools":
		err = d.tools.Ensure(ctx)
		if err == nil && len(args) == 2 && args[0] == "--kind" && args[1] == string(launcher.KindCluster) {
			err = d.tools.EnsureCluster(ctx)
		}
	case "db":
		_, err = d.db(ctx)
	case "build":
		err = d.build(ctx)
	case "test-env":
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
		if len(args) == 0 {
			fail(2, "usage: devstack test-env [--] CMD…")
		}
		err = d.testEnv(ctx, args)
	default:
		fail(2, usage)
	}
	if err != nil {
		fail(1, err.Error())
	}
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, "devstack:", msg)
	os.Exit(code)
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...) }

// abs makes a setting's relative path absolute from the repository.
func abs(root, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}
