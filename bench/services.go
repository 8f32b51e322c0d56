package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/migrations"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// stack is every service of the run, each started by this program so that
// nothing else (make dev, tests) shares or disturbs it.
type stack struct {
	dir         string
	temporalBin string
	temporal    *proc
	mailpit     *proc
	worker      *proc
	tc          client.Client
	db          *pgxpool.Pool
	admin       *pgxpool.Pool
	dbName      string
	mailAPI     string
}

// proc is a child process in its own process group, so a Ctrl-C on the
// terminal reaches only us and we decide the order of shutdown.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func startProc(dir, name, bin string, env []string, args ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = f, f, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the group to terminate, then kills it: the worker finishes
// its in-flight tasks on SIGTERM, the servers just exit.
func (p *proc) stop() {
	if p == nil || p.exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// tail is the end of the process's log, for error messages.
func (p *proc) tail() string {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}

// procStatus reads one "Key: value kB" line of /proc/<pid>/status, in MB.
func (p *proc) statusMB(key string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
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
func (p *proc) peakRSS() float64 { return p.statusMB("VmHWM") }

// cpu is the user+system CPU time the process has used so far. The clock
// tick is 100 Hz on every Linux build Go supports.
func (p *proc) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
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

// startStack brings up Temporal (SQLite file store, like `make dev`),
// Mailpit, a fresh PostgreSQL database and the real worker binary.
func startStack(ctx context.Context, dir, prebuilt, pragmas string) (s *stack, err error) {
	s = &stack{dir: dir}
	defer func() {
		if err != nil {
			s.close()
			s = nil
		}
	}()
	root, err := moduleRoot()
	if err != nil {
		return s, err
	}
	if s.temporalBin, err = tool("CALLCYCLE_TEMPORAL_BIN", "temporal", root); err != nil {
		return s, err
	}
	mailpitBin, err := tool("CALLCYCLE_MAILPIT_BIN", "mailpit", root)
	if err != nil {
		return s, err
	}

	// The worker builds while the servers start: both take seconds. A
	// prebuilt binary (-worker) measures another version of callcycle.
	workerBin := prebuilt
	build := exec.CommandContext(ctx, "true")
	buildOut := &strings.Builder{}
	if workerBin == "" {
		workerBin = filepath.Join(dir, "worker")
		build = exec.CommandContext(ctx, "go", "build", "-o", workerBin, "./worker")
		build.Dir = root
		build.Stdout, build.Stderr = buildOut, buildOut
	}
	if err := build.Start(); err != nil {
		return s, fmt.Errorf("go build ./worker: %w", err)
	}

	port := freePort()
	args := []string{"server", "start-dev", "--db-filename", filepath.Join(dir, "temporal.db"),
		"--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--headless", "--log-level", "warn"}
	for _, sa := range workflows.SearchAttributeTypes {
		args = append(args, "--search-attribute", sa.Name+"="+sa.Type)
	}
	for _, p := range strings.Split(pragmas, ",") {
		if p != "" {
			args = append(args, "--sqlite-pragma", p)
		}
	}
	if s.temporal, err = startProc(dir, "temporal", s.temporalBin, os.Environ(), args...); err != nil {
		return s, err
	}
	smtpPort, httpPort := freePort(), freePort()
	s.mailAPI = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	s.mailpit, err = startProc(dir, "mailpit", mailpitBin, os.Environ(),
		"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--max", "1000000", "--disable-version-check", "--quiet", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	if err != nil {
		return s, err
	}

	dbURL, err := s.createDB(ctx)
	if err != nil {
		return s, err
	}
	if s.tc, err = dialTemporal(ctx, fmt.Sprintf("127.0.0.1:%d", port), s.temporal); err != nil {
		return s, err
	}
	if err := waitUntil(ctx, 30*time.Second, func() bool { return httpOK(s.mailAPI+"/api/v1/info") && tcpOpen(smtpPort) }); err != nil {
		return s, fmt.Errorf("mailpit did not start: %w\n%s", err, s.mailpit.tail())
	}
	if err := build.Wait(); err != nil {
		return s, fmt.Errorf("go build ./worker: %w\n%s", err, buildOut)
	}

	// The environment of README "Configuration", and nothing inherited
	// that could point the worker elsewhere.
	env := []string{}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !config.Reads(name) {
			env = append(env, kv)
		}
	}
	env = append(env, "TEMPORAL_ADDRESS=127.0.0.1:"+strconv.Itoa(port), "TEMPORAL_NAMESPACE=default",
		"DATABASE_URL="+dbURL, "SMTP_HOST=127.0.0.1", "SMTP_PORT="+strconv.Itoa(smtpPort), "SMTP_TLS=none",
		"OUTPUT_DIR="+filepath.Join(dir, "out"), "LOG_LEVEL=info")
	if s.worker, err = startProc(dir, "worker", workerBin, env); err != nil {
		return s, err
	}
	// Ready when it polls the task queue (it migrates and starts the
	// government workflow first).
	err = waitUntil(ctx, 60*time.Second, func() bool {
		if s.worker.exited() {
			return true
		}
		d, err := s.tc.DescribeTaskQueue(ctx, workflows.TaskQueue, enums.TASK_QUEUE_TYPE_WORKFLOW)
		return err == nil && len(d.GetPollers()) > 0
	})
	if err == nil && s.worker.exited() {
		err = errors.New("exited")
	}
	if err != nil {
		return s, fmt.Errorf("worker did not start: %w\n%s", err, s.worker.tail())
	}
	return s, nil
}

// createDB makes a fresh, migrated database, as internal/testenv does for
// tests (that package needs a *testing.T, hence this copy).
func (s *stack) createDB(ctx context.Context) (string, error) {
	adminURL := os.Getenv("CALLCYCLE_TEST_DATABASE_URL")
	if adminURL == "" {
		adminURL = "postgres://callcycle:callcycle@localhost:5432/postgres?sslmode=disable"
	}
	var err error
	if s.admin, err = pgxpool.New(ctx, adminURL); err == nil {
		err = s.admin.Ping(ctx)
	}
	if err != nil {
		return "", fmt.Errorf("PostgreSQL at %s (CALLCYCLE_TEST_DATABASE_URL; `scripts/stack.sh db` starts it): %w", redact(adminURL), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "cc_bench_" + hex.EncodeToString(b[:])
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	s.dbName = name
	u, _ := url.Parse(adminURL)
	u.Path = "/" + name
	if s.db, err = pgxpool.New(ctx, u.String()); err != nil {
		return "", err
	}
	if _, err := migrations.Up(ctx, s.db); err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	return u.String(), nil
}

// close stops everything in dependency order: the worker before the
// services it uses, then the database is dropped.
func (s *stack) close() {
	s.worker.stop()
	if s.tc != nil {
		s.tc.Close()
	}
	s.temporal.stop()
	s.mailpit.stop()
	if s.db != nil {
		s.db.Close()
	}
	if s.admin != nil {
		if s.dbName != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, _ = s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+s.dbName+" WITH (FORCE)")
			cancel()
		}
		s.admin.Close()
	}
}

func dialTemporal(ctx context.Context, addr string, server *proc) (client.Client, error) {
	// Warnings only: the SDK logs every worker start at info.
	logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	var c client.Client
	var last error
	err := waitUntil(ctx, 90*time.Second, func() bool {
		if server.exited() {
			return true
		}
		c, last = client.Dial(client.Options{HostPort: addr, Namespace: "default", Logger: logger})
		return last == nil
	})
	if err == nil && server.exited() {
		err = errors.New("exited")
	}
	if err != nil {
		return nil, fmt.Errorf("temporal dev server did not start: %w (last: %v)\n%s", err, last, server.tail())
	}
	return c, nil
}

// moduleRoot is where go.mod is, so `go build ./worker` works from any
// directory inside the module.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		return "", fmt.Errorf("run inside the callcycle module (go env GOMOD: %v)", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// tool finds a cached binary the way internal/testenv.Binary does.
func tool(envVar, name, root string) (string, error) {
	candidates := []string{os.Getenv(envVar), filepath.Join(root, ".tools", name)}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "callcycle-tools", name))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); c != "" && err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s binary not found (set %s or run `make tools`)", name, envVar)
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tcpOpen(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func httpOK(u string) bool {
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
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

func redact(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return u
}
