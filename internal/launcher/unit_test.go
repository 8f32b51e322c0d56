package launcher

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The fast tier: nothing here needs a service.

func TestUnknownTemporalKindIsRefused(t *testing.T) {
	_, err := StartTemporal(context.Background(), TemporalOptions{Kind: "nomad"})
	if err == nil || !strings.Contains(err.Error(), `"nomad"`) {
		t.Fatalf("err = %v, want one naming the unknown kind", err)
	}
}

func TestWorkerEnvDropsCallersSettings(t *testing.T) {
	base := []string{"PATH=/bin", "DATABASE_URL=postgres://elsewhere", "TEMPORAL_TLS_CLIENT_CERT_PATH=/x", "SMTP_HOST=relay", "HOME=/root", "WORKER_PPROF_ADDR=127.0.0.1:6060"}
	got := WorkerEnv(base, false, "DATABASE_URL=postgres://ours", "SMTP_HOST=127.0.0.1")
	want := []string{"PATH=/bin", "HOME=/root", "DATABASE_URL=postgres://ours", "SMTP_HOST=127.0.0.1"}
	if !slices.Equal(got, want) {
		t.Errorf("WorkerEnv = %v, want %v", got, want)
	}
	// make dev: the caller's settings win over the stack's.
	got = WorkerEnv(base, true, "DATABASE_URL=postgres://ours", "LOG_LEVEL=info")
	want = append(slices.Clone(base), "LOG_LEVEL=info")
	if !slices.Equal(got, want) {
		t.Errorf("WorkerEnv(inherit) = %v, want %v", got, want)
	}
}

// A process that dies by itself is reported to OnExit; one stopped, killed
// or signalled on purpose is not. Log holds the current run only.
func TestProcessExitsAndRestarts(t *testing.T) {
	dir := t.TempDir()
	crashed := make(chan error, 1)
	p := &Process{Name: "sleeper", Bin: "sh", Args: []string{"-c", "echo up; exec sleep 30"},
		LogPath: filepath.Join(dir, "sleeper.log"), OnExit: func(_ *Process, err error) { crashed <- err }}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err == nil {
		t.Error("a second Start of a running process succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := waitReady(ctx, p, "sleeper", func(context.Context) bool { return strings.Contains(p.Log(), "up") }); err != nil {
		t.Fatal(err)
	}
	p.Kill()
	p.Stop(time.Second) // already gone: a no-op
	select {
	case err := <-crashed:
		t.Fatalf("OnExit called for a Kill: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	first := p.Pid()
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if p.Pid() == first || !p.Running() {
		t.Fatal("not started again")
	}
	if strings.Count(p.Log(), "--- sleeper started") != 1 {
		t.Errorf("Log of the second run:\n%s", p.Log())
	}
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-crashed:
		var exit interface{ ExitCode() int }
		if !errors.As(err, &exit) {
			t.Errorf("OnExit err = %v, want the exit status", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnExit not called for a crash")
	}
	b, _ := os.ReadFile(p.LogPath)
	if strings.Count(string(b), "--- sleeper started") != 2 {
		t.Errorf("log file should keep both runs:\n%s", b)
	}
}

// A service whose process exits while it is awaited fails at once with
// its log's tail, not at the end of the wait.
func TestReadinessFailsFastWithTheLog(t *testing.T) {
	p := &Process{Name: "broken", Bin: "sh", Args: []string{"-c", "echo bad config >&2; exit 3"},
		LogPath: filepath.Join(t.TempDir(), "broken.log")}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := waitReady(context.Background(), p, "broken", func(context.Context) bool { return false })
	if err == nil || !strings.Contains(err.Error(), "bad config") || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s, want the exit with the log at once", err, time.Since(start))
	}
}

func TestDevPortsAreFixed(t *testing.T) {
	if (DevPorts != Ports{Temporal: 7233, TemporalUI: 8233, SMTP: 1025, MailpitUI: 8025, Worker: 7240, Portal: 7280, PortalOps: 7281, IDP: 7290}) {
		t.Errorf("DevPorts = %+v: the README's addresses are 7233, 8233, 1025, 8025, 7240, 7280 and 7281", DevPorts)
	}
	if p, _ := portOr(DevPorts.Temporal); p != DevPorts.Temporal {
		t.Errorf("a fixed port became %d", p)
	}
	if p, _ := portOr(0); p == 0 {
		t.Error("port 0 did not become a free port")
	}
}
