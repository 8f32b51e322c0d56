package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// stack is every service of the run, started by internal/launcher on free
// ports so that nothing else (make dev, tests) shares or disturbs it.
type stack struct {
	ls               *launcher.Stack
	dir, temporalBin string
	tc               client.Client
	db               *pgxpool.Pool
	worker, temporal proc
}

// startStack brings up Temporal (SQLite file store with pragmas, like
// `make dev`), Mailpit, a fresh PostgreSQL database and the real worker
// binary: built from the module, or prebuilt (-worker) to measure another
// version of callcycle.
func startStack(ctx context.Context, dir, prebuilt, pragmas string, kind launcher.Kind, workerEnv []string) (*stack, error) {
	root, err := launcher.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	tools, err := launcher.LocateTools(root, os.Getenv)
	if err != nil {
		return nil, err
	}
	pr := []string{} // "" is SQLite's defaults, not the launcher's
	for _, p := range strings.Split(pragmas, ",") {
		if p != "" {
			pr = append(pr, p)
		}
	}
	ls, err := launcher.StartStack(ctx, launcher.StackOptions{Root: root, Dir: dir, Tools: tools,
		Postgres: launcher.PostgresOptions{AdminURL: os.Getenv("CALLCYCLE_TEST_DATABASE_URL")},
		DBPrefix: "cc_bench_", SQLitePragmas: pr, TemporalKind: kind, MailpitMax: 1000000, WorkerBin: prebuilt, WorkerEnv: workerEnv})
	if err != nil {
		return nil, fmt.Errorf("%w (PostgreSQL: CALLCYCLE_TEST_DATABASE_URL; `go run ./devstack db` starts it)", err)
	}
	bin := tools.Temporal()
	if kind == launcher.KindCluster {
		bin = tools.TemporalServer()
	}
	return &stack{ls: ls, dir: dir, temporalBin: bin, tc: ls.Temporal.Client(), db: ls.DB.Pool,
		worker: proc{ls.Worker.Process()}, temporal: proc{ls.Temporal.Processes()[0]}}, nil
}

// storage is what the run left on disk: callcycle's database, and the
// Temporal server's store (its two PostgreSQL databases, or the dev
// server's SQLite file with its write-ahead log), in MB.
func (s *stack) storage(ctx context.Context) (storage, error) {
	var st storage
	mb := func(name string) (float64, error) {
		var b int64
		err := s.db.QueryRow(ctx, `SELECT pg_database_size($1)`, name).Scan(&b)
		return float64(b) / (1 << 20), err
	}
	var err error
	if st.callcycleMB, err = mb(s.ls.DB.Name); err != nil {
		return st, err
	}
	for _, name := range s.ls.TemporalDatabases() {
		n, err := mb(name)
		if err != nil {
			return st, err
		}
		st.temporalMB += n
	}
	if len(s.ls.TemporalDatabases()) == 0 {
		files, _ := filepath.Glob(filepath.Join(s.dir, "temporal.db*"))
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil {
				st.temporalMB += float64(fi.Size()) / (1 << 20)
			}
		}
	}
	return st, nil
}

// storage is a run's footprint on disk, in MB.
type storage struct{ callcycleMB, temporalMB float64 }

// close stops everything, the worker first, and drops the database.
func (s *stack) close() { s.ls.Stop() }

// proc adds what the bench measures to a launched process.
type proc struct{ *launcher.Process }

func (p proc) stop()        { p.Stop(15 * time.Second) }
func (p proc) tail() string { return p.Tail() }

// statusMB reads one "Key: value kB" line of /proc/<pid>/status, in MB.
func (p proc) statusMB(key string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// peakRSS is VmHWM: the largest resident set the process ever had.
func (p proc) peakRSS() float64 { return p.statusMB("VmHWM") }

// cpu is the user+system CPU time the process has used so far. The clock
// tick is 100 Hz on every Linux build Go supports.
func (p proc) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are 14 and 15.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is the user+system CPU time this process (the bench, and during
// the baseline its worker) has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitUntil polls cond until it holds, ctx ends or within passes.
func waitUntil(ctx context.Context, within time.Duration, cond func() bool) error {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
