package launcher

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The pinned tools. The temporal CLI carries the dev server; workflowcheck
// is its own module, and v0.6.0 is the release that goes with sdk v1.51.0.
const (
	TemporalCLIModule    = "github.com/temporalio/cli"
	TemporalCLIVersion   = "v1.5.1"
	MailpitModule        = "github.com/axllent/mailpit"
	MailpitVersion       = "v1.33.1"
	WorkflowcheckModule  = "go.temporal.io/sdk/contrib/tools/workflowcheck"
	WorkflowcheckVersion = "v0.6.0"
)

// Tools is the folder of built tools (CALLCYCLE_TOOLS: .tools, or
// ~/.cache/callcycle-tools in CI).
type Tools struct {
	Dir string
	Log io.Writer // progress of builds; nil discards it
	// TemporalBin and MailpitBin, when set, are run instead of the ones in
	// Dir (CALLCYCLE_TEMPORAL_BIN, CALLCYCLE_MAILPIT_BIN); Ensure builds
	// only Dir's.
	TemporalBin, MailpitBin string
}

func (t Tools) Temporal() string      { return or(t.TemporalBin, filepath.Join(t.Dir, "temporal")) }
func (t Tools) Mailpit() string       { return or(t.MailpitBin, filepath.Join(t.Dir, "mailpit")) }
func (t Tools) Workflowcheck() string { return filepath.Join(t.Dir, "workflowcheck") }

// LocateTools finds built tools for a program run inside the module at
// root: $CALLCYCLE_TEMPORAL_BIN and $CALLCYCLE_MAILPIT_BIN, else the first
// of $CALLCYCLE_TOOLS, root/.tools and ~/.cache/callcycle-tools (where
// `make tools` and .ci/run put them) holding each. getenv is os.Getenv.
func LocateTools(root string, getenv func(string) string) (Tools, error) {
	dirs := []string{getenv("CALLCYCLE_TOOLS"), filepath.Join(root, ".tools")}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cache", "callcycle-tools"))
	}
	find := func(envVar, name string) (string, error) {
		candidates := []string{getenv(envVar)}
		for _, d := range dirs {
			if d != "" {
				candidates = append(candidates, filepath.Join(d, name))
			}
		}
		if p := Find(name, candidates...); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("%s binary not found (set %s or CALLCYCLE_TOOLS, or run `make tools`)", name, envVar)
	}
	var t Tools
	var err error
	if t.TemporalBin, err = find("CALLCYCLE_TEMPORAL_BIN", "temporal"); err != nil {
		return t, err
	}
	if t.MailpitBin, err = find("CALLCYCLE_MAILPIT_BIN", "mailpit"); err != nil {
		return t, err
	}
	t.Dir = filepath.Dir(t.TemporalBin)
	return t, nil
}

func (t Tools) logf(format string, args ...any) {
	if t.Log != nil {
		fmt.Fprintf(t.Log, "==> "+format+"\n", args...)
	}
}

// Ensure builds every tool that is missing or not the pinned version.
// A lock on the folder makes a second caller (make dev and make test at
// once) wait instead of building the temporal CLI twice on two cores.
func (t Tools) Ensure(ctx context.Context) error {
	unlock, err := t.lock()
	if err != nil {
		return err
	}
	defer unlock()
	t.TemporalBin, t.MailpitBin = "", ""
	if !t.temporalOK() {
		if err := t.install(ctx, "temporal", TemporalCLIModule+"/cmd/temporal@"+TemporalCLIVersion,
			"the largest, about 5-10 minutes on 2 cores"); err != nil {
			return err
		}
	}
	if !t.MailpitOK() {
		if err := t.buildMailpit(ctx); err != nil {
			return err
		}
	}
	if !builtFrom(t.Workflowcheck(), WorkflowcheckModule, WorkflowcheckVersion) {
		if err := t.install(ctx, "workflowcheck", WorkflowcheckModule+"@"+WorkflowcheckVersion, "about a minute"); err != nil {
			return err
		}
	}
	if err := t.ensureAxe(ctx); err != nil {
		return err
	}
	return t.ensureIDP(ctx)
}

// lock takes the folder's build lock, waiting for another holder.
func (t Tools) lock() (func(), error) {
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(t.Dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", t.Dir, err)
	}
	return func() { f.Close() }, nil
}

// builtFrom says whether bin exists and the Go toolchain's build info in
// it names module at version: go-installed binaries print "0.0.0-DEV" for
// --version, so the build info is the reliable place to read it.
func builtFrom(bin, module, version string) bool {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return false
	}
	if info.Main.Path == module && info.Main.Version == version {
		return true
	}
	for _, d := range info.Deps {
		if d.Path == module && d.Version == version {
			return true
		}
	}
	return false
}

func (t Tools) temporalOK() bool {
	if builtFrom(t.Temporal(), TemporalCLIModule, TemporalCLIVersion) {
		return true
	}
	// A release binary (not go-installed) says its version.
	out, err := exec.Command(t.Temporal(), "--version").Output()
	return err == nil && strings.Contains(string(out), strings.TrimPrefix(TemporalCLIVersion, "v"))
}

func (t Tools) install(ctx context.Context, name, pkg, estimate string) error {
	return t.installInto(ctx, t.Dir, name, pkg, estimate)
}

// installInto is `go install pkg` with GOBIN=dir.
func (t Tools) installInto(ctx context.Context, dir, name, pkg, estimate string) error {
	started := time.Now()
	// Say what and how long up front: otherwise a new user sees only
	// "go: downloading" lines for minutes and cannot tell it is progressing.
	t.logf("building %s (%s) into %s, first time only: %s", name, pkg, dir, estimate)
	cmd := exec.CommandContext(ctx, "go", "install", pkg)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Stdout, cmd.Stderr = t.out(), t.out()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go install %s: %w", pkg, err)
	}
	t.logf("  %s built in %s", name, time.Since(started).Round(time.Second))
	return nil
}

func (t Tools) out() io.Writer {
	if t.Log == nil {
		return io.Discard
	}
	return t.Log
}

// Find is the first of the candidates naming an existing file, then name
// on PATH; "" when none.
func Find(name string, candidates ...string) string {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ModuleRoot is the folder of the go.mod enclosing the working directory,
// so that `go build ./worker` works from any folder of the module.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run inside the callcycle module (go env GOMOD: %q, %v)", mod, err)
	}
	return filepath.Dir(mod), nil
}
