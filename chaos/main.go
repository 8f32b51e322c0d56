// Command chaos is the fault run of issue 7: the 2024 replay twice, each on
// its own self-started services (Temporal dev server with a state file,
// Mailpit, a fresh PostgreSQL database, the real worker binary), once
// fault-free and once while the worker is killed
// with SIGKILL at random points, PostgreSQL is restarted, the SMTP sink is
// stopped for a while and the Temporal dev server is restarted. Then it
// checks that no outbox mail was lost and nothing unknown was sent (resends
// with the same Message-ID are reported, not failed), that the ledger and the
// annual report equal the fault-free run's, prints PASS/FAIL for each and
// exits non-zero on any FAIL.
//
//	go run ./chaos [-kills 12] [-seed N] [-keep]
//
// Not part of `make test`: it takes minutes and restarts the shared local
// PostgreSQL cluster.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/callcycle/callcycle/internal/demo"
)

func main() {
	seed := flag.Int64("seed", time.Now().UnixNano(), "seed of the fault plan")
	kills := flag.Int("kills", 12, "worker kills during the faulty replay (at least 10)")
	keep := flag.Bool("keep", false, "keep the temp dir (logs, state files) even if everything passes")
	flag.Parse()
	os.Exit(run(*seed, *kills, *keep))
}

// codeVersion is the commit the worker was built from.
var codeVersion string

// result is one run: how long it took and what it left.
type result struct {
	replay, settle time.Duration
	snap           snapshot
	faults         []fault
	kills          int
	retries        int
	failed         []string // driver steps that failed for good
}

func run(seed int64, kills int, keep bool) int {
	if kills < 10 {
		fmt.Fprintln(os.Stderr, "chaos: -kills must be at least 10")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, _ := os.Getwd()
	examples := filepath.Join(root, "examples", "2024")
	if _, err := os.Stat(examples); err != nil {
		fmt.Fprintln(os.Stderr, "chaos: run from the repository root (examples/2024 not found)")
		return 2
	}
	tmp, err := os.MkdirTemp("", "callcycle-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 1
	}
	// Keep what the run writes to os.TempDir() apart from a concurrent
	// `go test`.
	os.Setenv("TMPDIR", tmp)
	log := &eventLog{start: time.Now()}
	fail := func(err error) int {
		log.add("ERROR %v", err)
		fmt.Printf("\nFAIL: %v\nlogs kept in %s\n", err, tmp)
		return 1
	}
	temporalBin, err := tool("CALLCYCLE_TEMPORAL_BIN", "temporal", root)
	if err != nil {
		return fail(err)
	}
	mailpitBin, err := tool("CALLCYCLE_MAILPIT_BIN", "mailpit", root)
	if err != nil {
		return fail(err)
	}
	// The worker is built from the working tree: say which.
	rev, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	dirty, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
	codeVersion = "git " + strings.TrimSpace(string(rev))
	var changed []string
	for _, line := range strings.Split(strings.TrimSpace(string(dirty)), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			changed = append(changed, f[1])
		}
	}
	if len(changed) > 0 {
		codeVersion += " with uncommitted changes in " + strings.Join(changed, " ")
	}
	workerBin := filepath.Join(tmp, "worker")
	log.add("building the worker: go build -o %s ./worker", workerBin)
	if out, err := exec.Command("go", "build", "-o", workerBin, "./worker").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("go build ./worker: %v\n%s", err, out))
	}
	newRun := func(name string) (*stack, error) {
		return newStack(name, tmp, root, temporalBin, mailpitBin, workerBin, log)
	}

	// 1. Fault-free, as `starter demo 2024` runs the replay.
	clean, err := newRun("clean")
	if err != nil {
		return fail(err)
	}
	log.add("fault-free run: services in %s", clean.dir)
	cr, err := clean.replay(ctx, examples, nil)
	clean.down()
	if err != nil {
		return fail(fmt.Errorf("fault-free run: %w", err))
	}

	// 2. With faults, the same steps through the retrying driver. Faults come about every
	// gap, so that the kills and the three service faults fall inside the
	// replay (which the faults themselves slow down). The faults take time
	// of their own (faultTime) besides the gaps: since issue 13 made the
	// replay about 30 s, a gap of replay/15 put the last faults after its
	// end (seeds 70 and 72: 8 and 9 kills), so the gaps share only what
	// the faults leave of the fault-free replay's time.
	faulty, err := newRun("faulty")
	if err != nil {
		return fail(err)
	}
	gap := faultGap(cr.replay, kills)
	inj := &injector{s: faulty, rng: rand.New(rand.NewSource(seed)), kills: kills, gap: gap}
	log.add("faulty run: services in %s; seed %d, %d worker kills, a fault about every %s", faulty.dir, seed, kills, gap.Round(100*time.Millisecond))
	fr, err := faulty.replay(ctx, examples, inj)
	faulty.down()
	if err != nil {
		return fail(fmt.Errorf("faulty run: %w", err))
	}

	// 3. Checks.
	checks := []check{checkMail("fault-free run", &cr.snap, nil), checkMail("faulty run", &fr.snap, fr.faults)}
	checks = append(checks, checkLedger(&cr.snap, &fr.snap))
	checks = append(checks, checkReport(&cr.snap, &fr.snap)...)
	planned := check{name: "faults during the replay: ≥ 10 worker kills, 1 PostgreSQL restart, 1 SMTP stop, 1 Temporal restart",
		ok: fr.kills >= 10 && inj.count("postgres-restart") == 1 && inj.count("smtp-stop") == 1 && inj.count("temporal-restart") == 1}
	planned.details = []string{fmt.Sprintf("worker kills %d, PostgreSQL restarts %d, SMTP stops %d, Temporal restarts %d",
		fr.kills, inj.count("postgres-restart"), inj.count("smtp-stop"), inj.count("temporal-restart"))}
	completed := check{name: "faulty run: every step of the replay completed", ok: len(fr.failed) == 0, details: fr.failed}
	checks = append([]check{planned, completed}, checks...)

	// 4. Summary.
	fmt.Printf("\n==== chaos summary (seed %d) ====\n", seed)
	host, _ := os.Hostname()
	fmt.Printf("machine: %s, %d cores, %s %s/%s\n", host, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("code: %s\n", codeVersion)
	fmt.Printf("fault-free replay %s (+ %s for the outbox to drain); faulty replay %s (+ %s); driver retries %d\n",
		cr.replay.Round(100*time.Millisecond), cr.settle.Round(100*time.Millisecond),
		fr.replay.Round(100*time.Millisecond), fr.settle.Round(100*time.Millisecond), fr.retries)
	fmt.Println("faults (time, kind, downtime):")
	for _, f := range fr.faults {
		fmt.Println("  " + f.String())
	}
	fmt.Println("annual report 2024, fault-free run:")
	for _, l := range figures(cr.snap.report) {
		fmt.Println("  " + l)
	}
	fmt.Println("annual report 2024, faulty run:")
	for _, l := range figures(fr.snap.report) {
		fmt.Println("  " + l)
	}
	failed := 0
	for _, c := range checks {
		verdict := "PASS"
		if !c.ok {
			verdict, failed = "FAIL", failed+1
		}
		fmt.Printf("%s  %s\n", verdict, c.name)
		for i, d := range c.details {
			if i == 40 {
				fmt.Printf("        … %d more\n", len(c.details)-i)
				break
			}
			fmt.Println("        " + d)
		}
	}
	if failed > 0 || keep {
		fmt.Printf("logs and state kept in %s\n", tmp)
	} else {
		os.RemoveAll(tmp)
	}
	if failed > 0 {
		fmt.Printf("FAIL: %d of %d checks\n", failed, len(checks))
		return 1
	}
	fmt.Printf("PASS: %d checks\n", len(checks))
	return 0
}

// replay starts s, runs the 2024 replay (internal/demo's steps; under
// inj's faults through the retrying driver), waits for the outbox,
// stops the worker and reads what the run left.
func (s *stack) replay(ctx context.Context, examples string, inj *injector) (result, error) {
	var r result
	if err := s.up(ctx); err != nil {
		return r, err
	}
	out := filepath.Join(s.dir, "annual-report-2024.xlsx")
	start := time.Now()
	var err error
	// Both runs replay internal/demo's steps; the faulty one through the
	// driver, which retries each action across the faults.
	replay, err := demo.New(s.env, examples, s.dir)
	if err != nil {
		return r, err
	}
	if inj == nil {
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Minute)
		r.snap.report, err = replay.Run(dctx, "", out)
		dcancel()
		if err != nil {
			s.diagnose(ctx)
			return r, err
		}
	} else {
		ictx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { inj.run(ictx); close(done) }()
		d := &driver{log: s.log}
		replay.Runner, replay.Out = d, logLines{s.log}
		dctx, dcancel := context.WithTimeout(ctx, replayLimit)
		r.snap.report, err = replay.Run(dctx, "", out)
		dcancel()
		cancel()
		<-done // a fault in progress finishes: every service is up again
		r.retries, r.faults, r.kills = d.retries, inj.faults, inj.count("worker-kill")
		if err != nil { // the checks show what it left behind
			s.log.add("driver: FAILED %s", oneLine(err))
			r.failed = append(r.failed, "replay stopped: "+oneLine(err))
			s.diagnose(ctx)
		}
	}
	r.replay = time.Since(start)
	s.log.add("%s: replay ended after %s (annual report %s); waiting for the outbox", s.name, r.replay.Round(100*time.Millisecond), r.snap.report.Total)

	// Every mail queued before now must reach the sink. A row claimed by a
	// killed worker waits for its lease (2 min) and the activity's retry.
	r.snap.t0 = time.Now()
	var left int
	err = waitFor(ctx, 6*time.Minute, func() bool {
		e := s.db.QueryRow(ctx, `SELECT count(*) FROM mail_log WHERE created_at <= $1 AND status IN ('pending', 'sending')`, r.snap.t0).Scan(&left)
		return e == nil && left == 0
	})
	r.settle = time.Since(r.snap.t0)
	if err != nil { // the mail check lists them
		s.log.add("%s: outbox: %d mails still unsent after %s; checking what was delivered", s.name, left, r.settle.Round(time.Second))
		s.diagnose(ctx)
	}
	// Stop the worker gently so nothing is sent while we read.
	s.work.stop(syscall.SIGTERM, 30*time.Second)
	time.Sleep(time.Second)
	if err := s.read(ctx, &r.snap, out); err != nil {
		return r, fmt.Errorf("read results: %w", err)
	}
	s.log.add("%s: %d outbox rows, %d mails in the sink, %d ledger rows",
		s.name, len(r.snap.mails), len(r.snap.sink), len(r.snap.ledger))
	return r, nil
}

// replayLimit bounds a replay (a fault-free one takes under a minute).
const replayLimit = 25 * time.Minute

// diagnose logs the run database's sessions and has the worker print its
// goroutines (SIGQUIT) into worker.log, for a run that got stuck.
func (s *stack) diagnose(ctx context.Context) {
	rows, err := s.db.Query(ctx, `SELECT state, COALESCE(wait_event, ''), left(query, 70), round(extract(epoch FROM now() - state_change))
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY state_change`)
	if err == nil {
		for rows.Next() {
			var state, wait, query string
			var age float64
			if rows.Scan(&state, &wait, &query, &age) == nil {
				s.log.add("%s: diagnose: PostgreSQL session %s %s for %.0fs: %s", s.name, state, wait, age, query)
			}
		}
		rows.Close()
	}
	s.work.stop(syscall.SIGQUIT, 10*time.Second)
	s.log.add("%s: diagnose: worker goroutines dumped (SIGQUIT) into %s; starting it again", s.name, s.work.logPath)
	if err := s.work.start(); err != nil {
		s.log.add("%s: %v", s.name, err)
	}
}

// faultTime is what the plan's faults take themselves, on average: each
// kill keeps the worker down 0.5–2 s, the SMTP stop waits up to 10 s for a
// delivery and lasts 5–10 s, the PostgreSQL and Temporal restarts a few
// seconds each.
func faultTime(kills int) time.Duration {
	return time.Duration(kills)*1250*time.Millisecond + 10*time.Second + 5*time.Second
}

// faultGap is the mean time between faults for a replay that took replay
// without faults: the time the faults leave, shared among them, between
// 500 ms and 10 s.
func faultGap(replay time.Duration, kills int) time.Duration {
	return min(max((replay-faultTime(kills))/time.Duration(kills+3), 500*time.Millisecond), 10*time.Second)
}
