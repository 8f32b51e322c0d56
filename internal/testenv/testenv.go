// Package testenv starts the real services tests run against: a fresh
// PostgreSQL database, a Temporal dev server and a Mailpit SMTP sink, each
// on free ports and torn down with the test. With CALLCYCLE_REQUIRE_SERVICES
// set (as in CI) a missing service fails the test instead of skipping it.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/callcycle/callcycle/migrations"
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

// AdminURL is the URL used to create test databases.
func AdminURL() string {
	if u := os.Getenv("CALLCYCLE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://callcycle:callcycle@localhost:5432/postgres?sslmode=disable"
}

// Postgres creates a fresh, migrated database for t and returns a pool
// and its URL; the database is dropped when t ends.
func Postgres(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ServiceTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgxpool.New(ctx, AdminURL())
	if err == nil {
		err = admin.Ping(ctx)
	}
	if err != nil {
		unavailable(t, "PostgreSQL at %s: %v", AdminURL(), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "cc_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	return pool, u.String()
}

// Binary finds a cached tool: $envVar, then the repo's .tools, then
// ~/.cache/callcycle-tools (where `make tools` and .ci/run put them).
func Binary(t testing.TB, envVar, name string) string {
	t.Helper()
	candidates := []string{os.Getenv(envVar)}
	if root := repoRoot(); root != "" {
		candidates = append(candidates, filepath.Join(root, ".tools", name))
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "callcycle-tools", name))
	}
	if p, err := exec.LookPath(name); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
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
