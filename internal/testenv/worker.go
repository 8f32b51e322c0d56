package testenv

import (
	"os"
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
