// Package testenv adapts internal/launcher to tests: a fresh PostgreSQL
// database, a Temporal dev server and a Mailpit SMTP sink, each on free
// ports, bounded by the test's context and torn down with the test. With
// CALLCYCLE_REQUIRE_SERVICES set (as in CI) a missing service fails the
// test instead of skipping it.
package testenv

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ServiceTest marks t as needing real services: `go test -short` is the
// fast tier and runs none of them (it skips, even in CI, which runs the
// full tier without -short).
func ServiceTest(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs PostgreSQL, Temporal or Mailpit; -short runs without services")
	}
}

// unavailable skips, or fails when services are required.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CALLCYCLE_REQUIRE_SERVICES") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format+" (set CALLCYCLE_REQUIRE_SERVICES=1 to fail instead)", args...)
}

// startCtx bounds a service's start by the test's own context.
func startCtx(t testing.TB) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), 2*time.Minute)
}

// AdminURL is the URL used to create test databases.
func AdminURL() string {
	if u := os.Getenv("CALLCYCLE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return launcher.DefaultAdminURL
}

// Postgres creates a fresh, migrated database for t and returns a pool
// and its URL; the database is dropped when t ends.
func Postgres(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ServiceTest(t)
	ctx, cancel := startCtx(t)
	defer cancel()
	pg, err := launcher.StartPostgres(ctx, launcher.PostgresOptions{AdminURL: AdminURL()})
	if err != nil {
		unavailable(t, "%v", err)
	}
	db, err := pg.CreateDatabase(ctx, "cc_test_")
	if err != nil {
		pg.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			t.Logf("drop database %s: %v", db.Name, err)
		}
		pg.Close()
	})
	return db.Pool, db.URL
}

// Binary finds a cached tool: $envVar, then $CALLCYCLE_TOOLS, the repo's
// .tools, ~/.cache/callcycle-tools (where `make tools` and .ci/run put
// them), then PATH.
func Binary(t testing.TB, envVar, name string) string {
	t.Helper()
	candidates := []string{os.Getenv(envVar)}
	if dir := os.Getenv("CALLCYCLE_TOOLS"); dir != "" {
		candidates = append(candidates, filepath.Join(dir, name))
	}
	if root := repoRoot(); root != "" {
		candidates = append(candidates, filepath.Join(root, ".tools", name))
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "callcycle-tools", name))
	}
	if p := launcher.Find(name, candidates...); p != "" {
		return p
	}
	unavailable(t, "%s binary not found (set %s or run `make tools`)", name, envVar)
	return ""
}

func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// ClusterTools are the cached tools with the cluster kind's (the real
// Temporal server, temporal-sql-tool, the UI server and the schema),
// found as Binary finds the CLI; without them the test skips, or fails
// under CALLCYCLE_REQUIRE_SERVICES (`devstack test-env` builds them).
func ClusterTools(t testing.TB) launcher.Tools {
	t.Helper()
	bin := Binary(t, "CALLCYCLE_TEMPORAL_BIN", "temporal")
	tools := launcher.Tools{Dir: filepath.Dir(bin), TemporalBin: bin, MailpitBin: Binary(t, "CALLCYCLE_MAILPIT_BIN", "mailpit")}
	if !tools.ClusterToolsOK() {
		unavailable(t, "the cluster tools are not built in %s (go run ./devstack tools --kind cluster)", tools.Dir)
	}
	return tools
}
