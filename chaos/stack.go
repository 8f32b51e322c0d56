package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/officer"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// proc is a child process that can be killed and started again with the
// same command line. An exit nobody asked for is reported to onExit.
type proc struct {
	name, bin, logPath string
	args, env          []string
	onExit             func(p *proc, cmd *exec.Cmd, err error)

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	want   bool // should be running
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "\n--- %s started %s\n", p.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.exited, p.want = cmd, done, true
	go func() {
		err := cmd.Wait()
		f.Close()
		close(done)
		p.mu.Lock()
		unexpected := p.want && p.cmd == cmd
		p.mu.Unlock()
		if unexpected && p.onExit != nil {
			p.onExit(p, cmd, err)
		}
	}()
	return nil
}

// stop sends sig, waits up to grace for the exit, then kills.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.exited
	p.want = false
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stack is one self-started set of services: a Temporal dev server with a
// state file, Mailpit with a database file, a fresh PostgreSQL database
// and the real worker binary, all in dir.
type stack struct {
	name, dir, root      string
	temporal, mail, work *proc
	temporalPort         int
	smtpPort, httpPort   int
	adminURL, dbName     string
	dbURL                string
	tc                   client.Client
	db                   *pgxpool.Pool
	env                  officer.Env
	log                  *eventLog
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tool finds a cached binary the way internal/testenv does.
func tool(envVar, name, root string) (string, error) {
	home, _ := os.UserHomeDir()
	for _, c := range []string{os.Getenv(envVar), filepath.Join(root, ".tools", name), filepath.Join(home, ".cache", "callcycle-tools", name)} {
		if st, err := os.Stat(c); c != "" && err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s binary not found (set %s or run `make tools`)", name, envVar)
}

// cleanEnv is our environment without the variables the worker reads, so
// the developer's settings cannot leak into the child.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TEMPORAL_") || strings.HasPrefix(k, "SMTP_") ||
			k == "DATABASE_URL" || k == "OUTPUT_DIR" || k == "LOG_LEVEL" || k == "ANNUAL_REPORT_ON" || k == "INTAKE_RETENTION" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func newStack(name, parent, root, temporalBin, mailpitBin, workerBin string, log *eventLog) (*stack, error) {
	s := &stack{name: name, dir: filepath.Join(parent, name), root: root, log: log,
		temporalPort: freePort(), smtpPort: freePort(), httpPort: freePort()}
	if err := os.MkdirAll(filepath.Join(s.dir, "out"), 0o755); err != nil {
		return nil, err
	}
	targs := []string{"server", "start-dev", "--db-filename", filepath.Join(s.dir, "temporal.db"), "--ip", "127.0.0.1",
		"--port", strconv.Itoa(s.temporalPort), "--headless", "--log-level", "warn"}
	for _, sa := range workflows.SearchAttributeTypes {
		targs = append(targs, "--search-attribute", sa.Name+"="+sa.Type)
	}
	for _, p := range app.DevServerSQLitePragmas {
		targs = append(targs, "--sqlite-pragma", p)
	}
	s.temporal = &proc{name: "temporal", bin: temporalBin, args: targs, env: os.Environ(), logPath: filepath.Join(s.dir, "temporal.log")}
	s.mail = &proc{name: "mailpit", bin: mailpitBin, logPath: filepath.Join(s.dir, "mailpit.log"), env: os.Environ(),
		args: []string{"--smtp", fmt.Sprintf("127.0.0.1:%d", s.smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", s.httpPort),
			"--database", filepath.Join(s.dir, "mailpit.db"), "--max", "100000", "--disable-version-check"}}
	// A crash of a service we did not kill is a finding: log it and bring
	// the service back, as an operator's supervisor would.
	crashed := func(p *proc, cmd *exec.Cmd, err error) {
		log.add("%s: %s exited by itself (%v); restarting it in 1 s", s.name, p.name, err)
		time.Sleep(time.Second)
		p.mu.Lock()
		again := p.want && p.cmd == cmd
		p.mu.Unlock()
		if again {
			if err := p.start(); err != nil {
				log.add("%s: %v", s.name, err)
			}
		}
	}
	s.temporal.onExit, s.mail.onExit = crashed, crashed
	s.work = &proc{name: "worker", bin: workerBin, logPath: filepath.Join(s.dir, "worker.log"), onExit: crashed}
	return s, nil
}

// up starts everything and connects the officer's Env (By: "chaos").
func (s *stack) up(ctx context.Context) error {
	s.adminURL = os.Getenv("CALLCYCLE_TEST_DATABASE_URL")
	if s.adminURL == "" {
		s.adminURL = "postgres://callcycle:callcycle@localhost:5432/postgres?sslmode=disable"
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	s.dbName = "cc_chaos_" + hex.EncodeToString(b[:])
	if err := adminExec(ctx, s.adminURL, "CREATE DATABASE "+s.dbName); err != nil {
		return fmt.Errorf("create database (admin URL from CALLCYCLE_TEST_DATABASE_URL): %w", err)
	}
	u, _ := url.Parse(s.adminURL)
	u.Path = "/" + s.dbName
	s.dbURL = u.String()
	if err := s.temporal.start(); err != nil {
		return err
	}
	if err := s.mail.start(); err != nil {
		return err
	}
	if err := s.waitTemporal(ctx); err != nil {
		return err
	}
	if err := s.waitMailpit(ctx); err != nil {
		return err
	}
	s.work.env = cleanEnv("TEMPORAL_ADDRESS=127.0.0.1:"+strconv.Itoa(s.temporalPort), "TEMPORAL_NAMESPACE=default",
		"DATABASE_URL="+s.dbURL, "SMTP_HOST=127.0.0.1", "SMTP_PORT="+strconv.Itoa(s.smtpPort), "SMTP_TLS=none",
		"OUTPUT_DIR="+filepath.Join(s.dir, "out"), "LOG_LEVEL=info")
	if err := s.work.start(); err != nil {
		return err
	}
	// The worker migrates the database; wait for it before using the pool.
	if err := waitLog(ctx, s.work, `msg="worker started"`, time.Minute); err != nil {
		return err
	}
	var err error
	if s.db, err = pgxpool.New(ctx, s.dbURL); err != nil {
		return err
	}
	out, err := os.Create(filepath.Join(s.dir, "replay.log"))
	if err != nil {
		return err
	}
	s.env = officer.Env{Temporal: s.tc, DB: s.db, Out: out, By: "chaos"}
	return nil
}

// waitTemporal dials until the frontend answers (the SDK client then
// reconnects by itself after a restart on the same port).
func (s *stack) waitTemporal(ctx context.Context) error {
	if s.tc != nil {
		return waitFor(ctx, 2*time.Minute, func() bool {
			c, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_, err := s.tc.CheckHealth(c, &client.CheckHealthRequest{})
			return err == nil
		})
	}
	f, err := os.Create(filepath.Join(s.dir, "client.log"))
	if err != nil {
		return err
	}
	logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelWarn})))
	return waitFor(ctx, 2*time.Minute, func() bool {
		s.tc, err = client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", s.temporalPort), Namespace: "default", Logger: logger})
		return err == nil
	})
}

func (s *stack) waitMailpit(ctx context.Context) error {
	return waitFor(ctx, time.Minute, func() bool {
		resp, err := http.Get(s.api("/api/v1/info"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.smtpPort))
		if err == nil {
			c.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}

func (s *stack) api(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", s.httpPort, path)
}

// down stops everything (the worker gently) and drops the database.
func (s *stack) down() {
	s.work.stop(syscall.SIGTERM, 20*time.Second)
	if s.tc != nil {
		s.tc.Close()
	}
	s.temporal.stop(syscall.SIGTERM, 15*time.Second)
	s.mail.stop(syscall.SIGTERM, 10*time.Second)
	if s.db != nil {
		s.db.Close()
	}
	if s.dbName != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = adminExec(ctx, s.adminURL, "DROP DATABASE IF EXISTS "+s.dbName+" WITH (FORCE)")
	}
}

func adminExec(ctx context.Context, adminURL, sql string) error {
	admin, err := pgxpool.New(ctx, adminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.Exec(ctx, sql)
	return err
}

func waitFor(ctx context.Context, within time.Duration, ok func() bool) error {
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			return errors.New("not ready after " + within.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// waitLog waits for line in the part of p's log written since its last start.
func waitLog(ctx context.Context, p *proc, line string, within time.Duration) error {
	err := waitFor(ctx, within, func() bool {
		data, _ := os.ReadFile(p.logPath)
		text := string(data)
		text = text[strings.LastIndex(text, "--- "+p.name+" started"):]
		return strings.Contains(text, line) || !p.running()
	})
	if err == nil && !p.running() {
		err = errors.New("exited")
	}
	if err != nil {
		return fmt.Errorf("%s: %w; see %s", p.name, err, p.logPath)
	}
	return nil
}

// pgCluster returns the Debian cluster ("15", "main") serving the admin
// URL, or why PostgreSQL will not be restarted.
func pgCluster(adminURL string) (string, string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", "", err
	}
	if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" && h != "" {
		return "", "", fmt.Errorf("PostgreSQL at %s is not the local cluster", h)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	out, err := exec.Command("pg_lsclusters", "-h").Output()
	if err != nil {
		return "", "", fmt.Errorf("pg_lsclusters: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[2] == port {
			return f[0], f[1], nil
		}
	}
	return "", "", fmt.Errorf("no local cluster on port %s", port)
}
