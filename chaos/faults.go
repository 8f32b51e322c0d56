package main

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
)

// eventLog prints timestamped lines and keeps them for the summary.
type eventLog struct {
	mu    sync.Mutex
	start time.Time
	lines []string
}

func (l *eventLog) add(format string, args ...any) {
	now := time.Now()
	line := fmt.Sprintf("%s +%6.1fs  %s", now.Format("15:04:05.000"), now.Sub(l.start).Seconds(), fmt.Sprintf(format, args...))
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	fmt.Println(line)
}

// fault is one injected fault: what, when it began, when the service was
// back.
type fault struct {
	kind        string // worker-kill, smtp-stop, postgres-restart, temporal-restart
	begin, back time.Time
	note        string
}

func (f fault) String() string {
	return fmt.Sprintf("%s  %-16s down %5.1fs  %s", f.begin.Format("15:04:05.000"), f.kind, f.back.Sub(f.begin).Seconds(), f.note)
}

// injector kills and restarts s's services while the replay runs.
type injector struct {
	s     *stack
	rng   *rand.Rand
	kills int           // worker kills to inject, at least
	gap   time.Duration // mean time between faults
	// actions is how many actions the replay runs (the fault-free run's
	// count), for pace.
	actions int
	mu      sync.Mutex
	faults  []fault
	more    chan struct{} // closed and replaced at each fault recorded
}

func (in *injector) record(f fault) {
	in.mu.Lock()
	in.faults = append(in.faults, f)
	if in.more != nil {
		close(in.more)
	}
	in.more = make(chan struct{})
	in.mu.Unlock()
	in.s.log.add("FAULT %s", f)
}

// due is how many of the plan's faults must have happened before action k
// of n: a share proportional to k, all of them before the last action.
// Since issue 13 the replay can take 20 s, less than the faults alone
// (seeds 70, 72 and 73 ended after 8, 9 and 4 kills): pacing holds the
// replay back instead of letting it outrun the plan.
func due(k, n, planned int) int {
	if n <= 1 || k >= n {
		return planned
	}
	return min(planned, (k-1)*planned/(n-1))
}

// pace waits before action k until the faults due by then have happened,
// the plan has ended (finished), or ctx ends.
func (in *injector) pace(ctx context.Context, k int, finished <-chan struct{}) {
	want := due(k, in.actions, in.kills+3)
	for {
		in.mu.Lock()
		n, more := len(in.faults), in.more
		if more == nil {
			in.more = make(chan struct{})
			more = in.more
		}
		in.mu.Unlock()
		if n >= want {
			return
		}
		select {
		case <-more:
		case <-finished:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (in *injector) uniform(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(in.rng.Int63n(int64(hi-lo)+1))
}

// run injects faults until ctx ends (the replay is done) or the plan is
// exhausted: `kills` worker kills at random intervals, with the SMTP stop,
// the PostgreSQL restart and the Temporal restart slotted after random
// kills. A fault in progress always finishes, so the services are up
// when run returns.
func (in *injector) run(ctx context.Context) {
	specials := map[int]func(){}
	slots := in.rng.Perm(in.kills - 1)[:3] // after which kill each special comes
	specials[slots[0]] = in.stopSMTP
	specials[slots[1]] = in.restartPostgres
	specials[slots[2]] = in.restartTemporal
	for i := 0; i < in.kills; i++ {
		wait := in.uniform(in.gap/2, in.gap*3/2)
		if i == 0 {
			wait = in.uniform(200*time.Millisecond, in.gap/2) // early enough to hit the calls
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		in.killWorker()
		if f := specials[i]; f != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(in.uniform(in.gap/2, in.gap*3/2)):
			}
			f()
		}
	}
}

// killWorker: kill -9, then start it again after 0.5–2 s.
func (in *injector) killWorker() {
	f := fault{kind: "worker-kill", begin: time.Now()}
	in.s.work.stop(syscall.SIGKILL, 5*time.Second)
	time.Sleep(in.uniform(500*time.Millisecond, 2*time.Second))
	f.note = "kill -9, started again"
	if err := in.s.work.start(); err != nil {
		f.note += ": " + err.Error()
	}
	f.back = time.Now()
	in.record(f)
}

// stopSMTP stops Mailpit for 5–10 s and starts it again on the same ports
// and database file, so the mails it already took are kept. It stops it
// while a delivery is under way (the sink's count just moved) if one
// comes within 10 s: that is when an outage of the relay matters.
func (in *injector) stopSMTP() {
	busy := in.duringDelivery()
	f := fault{kind: "smtp-stop", begin: time.Now()}
	in.s.ls.Mailpit.Stop()
	time.Sleep(in.uniform(5*time.Second, 10*time.Second))
	err := in.s.ls.Mailpit.Restart(context.Background())
	f.back, f.note = time.Now(), "Mailpit stopped (SIGTERM)"+busy+", started again with the same --database"
	if err != nil {
		f.note += ": " + err.Error()
	}
	in.record(f)
}

// duringDelivery waits up to 10 s for the sink's count to move, i.e. for
// a delivery to be under way, and says so.
func (in *injector) duringDelivery() string {
	n, err := in.s.sinkTotal()
	if err != nil {
		return ""
	}
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if m, err := in.s.sinkTotal(); err == nil && m != n {
			return fmt.Sprintf(" during a delivery (sink count %d → %d)", n, m)
		}
	}
	return ""
}

// restartPostgres restarts the local cluster (every session is cut),
// during a delivery if one comes within 10 s: the marks of mails the relay
// just accepted are then at stake.
func (in *injector) restartPostgres() {
	busy := in.duringDelivery()
	f := fault{kind: "postgres-restart", begin: time.Now()}
	ctx := context.Background()
	c, err := launcher.ClusterOf(ctx, in.s.adminURL)
	if err != nil {
		f.back, f.note = time.Now(), "SKIPPED: "+err.Error()
		in.record(f)
		return
	}
	err = launcher.RestartCluster(ctx, c)
	f.back, f.note = time.Now(), fmt.Sprintf("pg_ctlcluster %s %s restart%s", c.Version, c.Name, busy)
	if err != nil {
		f.note += ": " + err.Error()
	}
	in.record(f)
}

// restartTemporal stops the dev server and starts it again with the same
// --db-filename and port, waiting until it answers.
func (in *injector) restartTemporal() {
	f := fault{kind: "temporal-restart", begin: time.Now()}
	err := in.s.ls.Temporal.Restart(context.Background())
	f.back, f.note = time.Now(), "dev server stopped (SIGTERM), started again on the same --db-filename and port"
	if err != nil {
		f.note += ": " + err.Error()
	}
	in.record(f)
}

func (in *injector) count(kind string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, f := range in.faults {
		if f.kind == kind && !strings.HasPrefix(f.note, "SKIPPED") {
			n++
		}
	}
	return n
}
