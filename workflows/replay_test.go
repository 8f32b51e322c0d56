package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/worker"
)

// TestReplayKeptHistories replays every history kept in
// testdata/histories (recorded from end-to-end runs with
// CALLCYCLE_UPDATE_HISTORIES=1) against the current workflow code. Calls
// and grants run for years across deployments: a change that alters the
// commands an existing history emitted must be guarded with
// workflow.GetVersion, or this test fails.
func TestReplayKeptHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no histories in testdata/histories")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("%s no longer replays: %v", f, err)
			}
		})
	}
}
