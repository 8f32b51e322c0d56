package launcher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A detached stack (make dev) outlives the command that started it; what
// it started is recorded in its Dir as <name>.pid, so that a later
// command stops only that, and a recycled pid is not mistaken for ours.

func writePid(dir, name string, pid int) error {
	return os.WriteFile(filepath.Join(dir, name+".pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644)
}

// RecordedPid is the pid recorded for name in dir if that process still
// runs and its command line names the service; 0 otherwise.
func RecordedPid(dir, name string) int {
	b, err := os.ReadFile(filepath.Join(dir, name+".pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	// worker-2 runs the worker binary like worker.
	base, _, _ := strings.Cut(name, "-")
	if strings.HasPrefix(name, "temporal") {
		base = name
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), base) {
		return 0
	}
	return pid
}

// stackServices are the processes of a stack, in start order; Detach
// records them in Dir under these names, with workers beyond the first
// as worker-2, worker-3…
var stackServices = []string{"temporal", "temporal-ui", "mailpit", "worker"}

// Services are the names of the processes of a stack of kind with that
// many workers, in start order.
func Services(kind Kind, workers int) []string {
	var names []string
	for _, n := range stackServices[:len(stackServices)-1] {
		if n != "temporal-ui" || kind == KindCluster {
			names = append(names, n)
		}
	}
	return append(names, workerNames(workers)...)
}

// FrontServices are the processes a stack with a portal adds after its
// workers (make dev, make cluster): the identity provider and the portal.
var FrontServices = []string{"oidc-provider", "portal"}

// recorded are the names with a pid file in dir, in start order.
func recorded(dir string) []string {
	names := slices.Clone(stackServices)
	more, _ := filepath.Glob(filepath.Join(dir, "worker-*.pid"))
	slices.Sort(more)
	for _, m := range more {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".pid"))
	}
	return append(names, FrontServices...) // last started, first stopped
}

// StopRecorded stops the recorded processes of dir, last started first:
// SIGTERM to each one's session, SIGKILL after 15 s. It returns the names
// it stopped.
func StopRecorded(dir string) []string {
	var stopped []string
	for _, name := range slices.Backward(recorded(dir)) {
		if pid := RecordedPid(dir, name); pid != 0 {
			_ = syscall.Kill(-pid, syscall.SIGTERM)
			for end := time.Now().Add(15 * time.Second); time.Now().Before(end) && syscall.Kill(pid, 0) == nil; {
				time.Sleep(200 * time.Millisecond)
			}
			if syscall.Kill(pid, 0) == nil {
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			}
			stopped = append(stopped, name)
		}
		_ = os.Remove(filepath.Join(dir, name+".pid"))
		_ = os.Remove(filepath.Join(dir, name+".sum"))
	}
	return stopped
}

// adoptTemporal reuses a server on port: ours from an earlier run (waited
// for, it may still be starting), or, for the dev server, anyone's that
// is healthy; a port held by something else is an error. A cluster adopts
// only its own: another server there would be on other databases.
func adoptTemporal(ctx context.Context, dir string, port int, kind Kind) (string, bool, error) {
	addr := hostPort(port)
	ours := RecordedPid(dir, "temporal") != 0
	if !ours && (kind == KindCluster || !PortOpen(port)) {
		return addr, false, nil
	}
	wctx, cancel := within(ctx, 90*time.Second)
	defer cancel()
	if !ours {
		wctx, cancel = within(ctx, 5*time.Second)
		defer cancel()
	}
	c, err := DialTemporal(wctx, addr, "default", nil, nil)
	if err != nil {
		return addr, false, fmt.Errorf("port %d is taken by something that does not answer as a Temporal server: %w", port, err)
	}
	c.Close()
	return addr, true, nil
}

// adoptMailpit reuses an SMTP sink on the stack's ports.
func adoptMailpit(ctx context.Context, dir string, ports Ports) (bool, error) {
	if RecordedPid(dir, "mailpit") == 0 && !PortOpen(ports.SMTP) {
		return false, nil
	}
	wctx, cancel := within(ctx, 30*time.Second)
	defer cancel()
	m := &Mailpit{SMTPPort: ports.SMTP, API: "http://" + hostPort(ports.MailpitUI)}
	return true, waitReady(wctx, nil, "mailpit", m.ready)
}

// adoptWorker keeps a recorded worker running the same binary (go build
// rewrites it every time, so contents, not mtimes, are compared), and
// stops one whose code changed.
func adoptWorker(dir, name, bin string) (bool, error) {
	pid := RecordedPid(dir, name)
	if pid == 0 {
		return false, nil
	}
	sum, err := sha256File(bin)
	if err != nil {
		return false, err
	}
	if old, _ := os.ReadFile(filepath.Join(dir, name+".sum")); strings.TrimSpace(string(old)) == sum {
		return true, nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && syscall.Kill(pid, 0) == nil; {
		time.Sleep(200 * time.Millisecond)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return false, nil
}

// recordSum notes which binary worker name runs (each worker its own
// note: one restarted on a new binary must not make the next look current).
func recordSum(dir, name, bin string) error {
	sum, err := sha256File(bin)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".sum"), []byte(sum+"\n"), 0o644)
}
