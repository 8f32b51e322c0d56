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
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), name) {
		return 0
	}
	return pid
}

// StopRecorded stops the recorded processes of dir, last started first:
// SIGTERM to each one's session, SIGKILL after 15 s. It returns the names
// it stopped.
func StopRecorded(dir string) []string {
	var stopped []string
	for _, name := range slices.Backward(stackServices) {
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
	}
	_ = os.Remove(filepath.Join(dir, "worker.sum"))
	return stopped
}

// Services are the names of a stack's processes, in start order.
func Services() []string { return slices.Clone(stackServices) }

// adoptTemporal reuses a server on port: ours from an earlier run (waited
// for, it may still be starting), or anyone's that is healthy; a port
// held by something else is an error.
func adoptTemporal(ctx context.Context, dir string, port int) (string, bool, error) {
	addr := hostPort(port)
	ours := RecordedPid(dir, "temporal") != 0
	if !ours && !PortOpen(port) {
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
func adoptWorker(dir, bin string) (bool, error) {
	pid := RecordedPid(dir, "worker")
	if pid == 0 {
		return false, nil
	}
	sum, err := sha256File(bin)
	if err != nil {
		return false, err
	}
	if old, _ := os.ReadFile(filepath.Join(dir, "worker.sum")); strings.TrimSpace(string(old)) == sum {
		return true, nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && syscall.Kill(pid, 0) == nil; {
		time.Sleep(200 * time.Millisecond)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return false, nil
}

func recordSum(dir, bin string) error {
	sum, err := sha256File(bin)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "worker.sum"), []byte(sum+"\n"), 0o644)
}
