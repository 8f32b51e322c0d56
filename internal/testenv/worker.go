package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/callcycle/callcycle/internal/launcher"
)

// The worker binary is built once per test process: every test that runs
// one starts the same code.
var workerBuild struct {
	once sync.Once
	bin  string
	err  error
}

// WorkerBinary builds ./worker once for this test process.
func WorkerBinary(t testing.TB) string {
	t.Helper()
	workerBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "callcycle-worker-")
		if err != nil {
			workerBuild.err = err
			return
		}
		workerBuild.bin = filepath.Join(dir, "worker")
		workerBuild.err = launcher.BuildWorker(t.Context(), repoRoot(), workerBuild.bin)
	})
	if workerBuild.err != nil {
		t.Fatal(workerBuild.err)
	}
	return workerBuild.bin
}

// StartWorker runs the worker binary as a process with opts (the binary,
// a log and an output folder in t's temp dir unless given), waits until it
// has started, and kills it when t ends. Kill and Restart it to test a
// crash.
func StartWorker(t testing.TB, opts launcher.WorkerOptions) *launcher.Worker {
	t.Helper()
	ServiceTest(t)
	if opts.Bin == "" {
		opts.Bin = WorkerBinary(t)
	}
	if opts.LogPath == "" {
		opts.LogPath = filepath.Join(t.TempDir(), "worker.log")
	}
	if opts.OutputDir == "" {
		opts.OutputDir = t.TempDir()
	}
	ctx, cancel := startCtx(t)
	defer cancel()
	w, err := launcher.StartWorker(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Kill)
	return w
}

// WorkerAt is the worker binary of an earlier commit of this repository
// (a build an office may still run), built from `git archive` of that
// commit and cached beside the tools as worker-<commit>, so CI builds it
// once. Without git or the commit (a shallow clone) the test fails: the
// rolling-upgrade test must not pass by not running.
func WorkerAt(t testing.TB, commit string) string {
	t.Helper()
	ServiceTest(t)
	dir := filepath.Dir(Binary(t, "CALLCYCLE_TEMPORAL_BIN", "temporal"))
	bin := filepath.Join(dir, "worker-"+commit[:12])
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	src := t.TempDir()
	archive := exec.Command("bash", "-c", `set -o pipefail; git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "bash", repoRoot(), commit, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("the source of commit %s (a full clone is needed, not a shallow one): %v\n%s", commit, err, out)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	if err := launcher.BuildWorker(t.Context(), src, tmp); err != nil {
		t.Fatalf("build the worker of %s: %v", commit, err)
	}
	if err := os.Rename(tmp, bin); err != nil { // atomic: a parallel build just wins or loses
		t.Fatal(err)
	}
	return bin
}

// StartIDP runs the OpenID Connect provider (launcher.StartIDP) for t with
// users, sending people back to redirect; stopped when t ends.
func StartIDP(t testing.TB, redirect string, users ...launcher.IDPUser) *launcher.IDP {
	t.Helper()
	ServiceTest(t)
	bin := Binary(t, "CALLCYCLE_IDP_BIN", filepath.Join("oidc-provider-"+launcher.IDPVersion, "server"))
	ctx, cancel := startCtx(t)
	defer cancel()
	dir := t.TempDir()
	p, err := launcher.StartIDP(ctx, launcher.IDPOptions{Bin: bin, Users: users, RedirectURIs: []string{redirect},
		Dir: dir, LogPath: filepath.Join(dir, "idp.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}
