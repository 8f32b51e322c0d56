package workflows_test

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// TestReplayKeptHistories replays every history kept in
// testdata/histories (recorded from end-to-end runs with
// CALLCYCLE_UPDATE_HISTORIES=1) against the current workflow code. Calls
// and grants run for years across deployments: a change that alters the
// commands an existing history emitted must be guarded with
// workflow.GetVersion, or this test fails. Large histories (a run of the
// 1,000-grant bench, 4,104 events) are kept gzipped.
func TestReplayKeptHistories(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	gz, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, gz...)
	if len(files) == 0 {
		t.Fatal("no histories in testdata/histories")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := replay(r, f); err != nil {
				t.Fatalf("%s no longer replays: %v", f, err)
			}
		})
	}
}

func replay(r worker.WorkflowReplayer, path string) error {
	if !strings.HasSuffix(path, ".gz") {
		return r.ReplayWorkflowHistoryFromJSONFile(nil, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	h, err := client.HistoryFromJSON(zr, client.HistoryJSONOptions{})
	if err != nil {
		return err
	}
	return r.ReplayWorkflowHistory(nil, h)
}
