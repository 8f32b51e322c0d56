package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a child process that can be stopped, killed and started again
// with the same command line (the fault run kills the worker and restarts
// it, the dev server and Mailpit too). It runs in a process group of its
// own, so a Ctrl-C on the terminal reaches only the caller, which decides
// the order of shutdown; with Detach it gets a session of its own and
// outlives the caller (make dev).
type Process struct {
	Name    string
	Bin     string
	Args    []string
	Env     []string // nil: the caller's environment
	Dir     string
	LogPath string // appended to; "" discards the output
	Detach  bool
	// OnExit is called (on its own goroutine) when the process exits
	// without Stop, Kill or Signal's caller having asked: a crash.
	OnExit func(p *Process, err error)

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	err      error
	want     bool  // should be running
	logStart int64 // log size when the current run began
}

// Start runs the command; it does not wait for readiness.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked()
}

func (p *Process) startLocked() error {
	if p.cmd != nil && !closed(p.done) {
		return fmt.Errorf("%s is already running (pid %d)", p.Name, p.cmd.Process.Pid)
	}
	var out io.WriteCloser = nopCloser{io.Discard}
	if p.LogPath != "" {
		f, err := os.OpenFile(p.LogPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("%s log: %w", p.Name, err)
		}
		st, _ := f.Stat()
		p.logStart = st.Size()
		fmt.Fprintf(f, "\n--- %s started %s\n", p.Name, time.Now().Format(time.RFC3339Nano))
		out = f
	}
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = p.Env, p.Dir, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !p.Detach, Setsid: p.Detach}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s (%s): %w", p.Name, p.Bin, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.want, p.err = cmd, done, true, nil
	go func() {
		err := cmd.Wait()
		out.Close()
		p.mu.Lock()
		p.err = err
		unexpected := p.want && p.cmd == cmd
		onExit := p.OnExit
		p.mu.Unlock()
		close(done)
		if unexpected && onExit != nil {
			onExit(p, err)
		}
	}()
	return nil
}

// restart stops the process if it runs (SIGTERM, grace), starts it, and
// waits, bounded by ctx and limit, until ready holds: every service's
// (re)start.
func (p *Process) restart(ctx context.Context, grace, limit time.Duration, ready func(context.Context) bool) error {
	if p.Running() {
		p.Stop(grace)
	}
	if err := p.Start(); err != nil {
		return err
	}
	ctx, cancel := within(ctx, limit)
	defer cancel()
	return waitReady(ctx, p, p.Name, ready)
}

// killOnError kills p when its first start failed (err), so a service that
// did not come up leaves no process behind.
func killOnError(p *Process, err error) error {
	if err != nil {
		p.Kill()
	}
	return err
}

// Revive starts the process again if it exited by itself and no one has
// stopped it since (a supervisor's restart after OnExit). It reports
// whether it started it.
func (p *Process) Revive() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.want || p.cmd == nil || !closed(p.done) {
		return false, nil
	}
	return true, p.startLocked()
}

// Stop sends SIGTERM to the process group, waits up to grace for the exit,
// then kills the group.
func (p *Process) Stop(grace time.Duration) {
	p.end(syscall.SIGTERM, grace)
}

// Kill is kill -9 of the process group, waiting for the exit.
func (p *Process) Kill() {
	p.end(syscall.SIGKILL, 5*time.Second)
}

// Signal sends sig to the process alone (SIGQUIT: a goroutine dump) and
// waits up to grace for it to exit, killing it after that; the exit is
// expected, so OnExit is not called.
func (p *Process) Signal(sig syscall.Signal, grace time.Duration) {
	cmd, done := p.expectExit()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	waitOrKill(cmd, done, grace)
}

func (p *Process) end(sig syscall.Signal, grace time.Duration) {
	cmd, done := p.expectExit()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	waitOrKill(cmd, done, grace)
}

func (p *Process) expectExit() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.want = false
	if p.cmd == nil || closed(p.done) {
		return nil, nil
	}
	return p.cmd, p.done
}

func waitOrKill(cmd *exec.Cmd, done chan struct{}, grace time.Duration) {
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Process.Kill()
		<-done
	}
}

// Running says whether the current run has not exited.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !closed(p.done)
}

// Pid of the current run, 0 before the first start.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Done is closed when the current run exits.
func (p *Process) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// Log is what the current run has written to its log so far.
func (p *Process) Log() string {
	p.mu.Lock()
	path, from := p.LogPath, p.logStart
	p.mu.Unlock()
	if path == "" {
		return ""
	}
	data, _ := os.ReadFile(path)
	if int64(len(data)) < from {
		return string(data)
	}
	return string(data[from:])
}

// Tail is the end of the current run's log, for error messages.
func (p *Process) Tail() string {
	lines := strings.Split(strings.TrimSpace(p.Log()), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// ErrExited: a process ended by itself while it was being started.
var ErrExited = errors.New("exited while starting")

// exitError says how the current run ended, with its log's tail.
func (p *Process) exitError() error {
	p.mu.Lock()
	err := p.err
	p.mu.Unlock()
	if err == nil {
		err = errors.New("exited")
	}
	where := ""
	if p.LogPath != "" {
		where = "; log " + p.LogPath
	}
	return fmt.Errorf("%s exited (%v)%s\n%s: %w", p.Name, err, where, p.Tail(), ErrExited)
}

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
