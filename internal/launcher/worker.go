package launcher

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/callcycle/callcycle/internal/config"
)

// WorkerOptions configure StartWorker: the README's variables, set from
// the services the worker uses.
type WorkerOptions struct {
	Bin             string // built by BuildWorker
	TemporalAddress string
	Namespace       string // "" is "default"
	DatabaseURL     string
	SMTPHost        string // "" is 127.0.0.1
	SMTPPort        int
	OutputDir       string
	LogLevel        string   // "" is "info"
	Env             []string // more KEY=VALUE, after the ones above
	Dir             string   // working directory; "" is the caller's
	LogPath         string
	Detach          bool
	OnExit          func(p *Process, err error)
	// HTTPPort is the loopback port of the worker's /livez, /readyz and
	// /metrics (WORKER_HTTP_ADDR), 0 a free one; the worker is ready when
	// /readyz answers 200. -1 serves none: a build older than those
	// endpoints, ready when its log says ReadyLine.
	HTTPPort        int
	ReadyLine       string // "" is the worker's `msg="worker started"`
	InheritSettings bool   // keep the caller's worker variables (make dev)
	StartupTimeout  time.Duration
}

// Worker is the callcycle worker binary running as a process.
type Worker struct {
	proc  *Process
	ready string
	limit time.Duration
	// HTTPAddr is where /livez, /readyz and /metrics answer ("" none).
	HTTPAddr string
}

// StartWorker starts the worker and waits, bounded by ctx, until it logs
// that it polls (it migrates the database and starts the government
// workflow before that).
func StartWorker(ctx context.Context, opts WorkerOptions) (*Worker, error) {
	if opts.Bin == "" || opts.LogPath == "" {
		return nil, fmt.Errorf("worker: a binary (BuildWorker) and a log file (its readiness is read there) are needed")
	}
	env := WorkerEnv(os.Environ(), opts.InheritSettings,
		"TEMPORAL_ADDRESS="+opts.TemporalAddress, "TEMPORAL_NAMESPACE="+or(opts.Namespace, "default"),
		"DATABASE_URL="+opts.DatabaseURL, "SMTP_HOST="+or(opts.SMTPHost, Loopback),
		"SMTP_PORT="+strconv.Itoa(opts.SMTPPort), "SMTP_TLS=none",
		"OUTPUT_DIR="+opts.OutputDir, "LOG_LEVEL="+or(opts.LogLevel, "info"))
	w := &Worker{ready: or(opts.ReadyLine, `msg="worker started"`), limit: opts.StartupTimeout}
	if w.limit == 0 {
		w.limit = 2 * time.Minute
	}
	if opts.HTTPPort >= 0 {
		port, err := portOr(opts.HTTPPort)
		if err != nil {
			return nil, err
		}
		w.HTTPAddr = hostPort(port)
		env = append(env, "WORKER_HTTP_ADDR="+w.HTTPAddr)
	}
	w.proc = &Process{Name: "worker", Bin: opts.Bin, Env: append(env, opts.Env...), Dir: opts.Dir,
		LogPath: opts.LogPath, Detach: opts.Detach, OnExit: opts.OnExit}
	if err := killOnError(w.proc, w.Restart(ctx)); err != nil {
		return nil, err
	}
	return w, nil
}

// WorkerEnv is base without the variables the worker reads (so the
// caller's own settings cannot point it elsewhere) unless inherit, then
// set. TEMPORAL_* and SMTP_* go whole: the SDK's envconfig reads more
// TEMPORAL_ names than internal/config lists.
func WorkerEnv(base []string, inherit bool, set ...string) []string {
	var env []string
	given := map[string]bool{}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		ours := config.Reads(k) || strings.HasPrefix(k, "SMTP_") || k == "WORKER_PPROF_ADDR"
		if ours && !inherit {
			continue
		}
		given[k] = true
		env = append(env, kv)
	}
	for _, kv := range set {
		// With inherit, settings the caller gave win over the stack's.
		if k, _, _ := strings.Cut(kv, "="); !inherit || !given[k] {
			env = append(env, kv)
		}
	}
	return env
}

// Restart starts the worker again (after Kill or Stop) and waits for it:
// until its /readyz answers 200 (it polls, reaches PostgreSQL and
// Temporal), or for an older build its log line.
func (w *Worker) Restart(ctx context.Context) error {
	return w.proc.restart(ctx, 30*time.Second, w.limit, func(ctx context.Context) bool {
		if w.HTTPAddr != "" {
			return httpOK(ctx, "http://"+w.HTTPAddr+"/readyz")
		}
		return strings.Contains(w.proc.Log(), w.ready)
	})
}

// Process is the worker's process (pid, log, signals).
func (w *Worker) Process() *Process { return w.proc }

// Stop sends SIGTERM and gives in-flight activities time to finish.
func (w *Worker) Stop() { w.proc.Stop(30 * time.Second) }

// Kill is kill -9 of the worker.
func (w *Worker) Kill() { w.proc.Kill() }

// BuildWorker builds ./worker of the module at root into out.
func BuildWorker(ctx context.Context, root, out string) error {
	return goBuild(ctx, root, out, "./worker")
}

func goBuild(ctx context.Context, root, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}
