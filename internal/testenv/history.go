package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
)

// SaveHistory writes a finished or running workflow's history as JSON
// (the format `temporal workflow show -o json` and the SDK replayer use)
// when CALLCYCLE_UPDATE_HISTORIES is set. The replay tests in workflows/
// replay every file under workflows/testdata/histories against the
// current code, so a change that would break a running call fails CI.
func SaveHistory(t testing.TB, c client.Client, workflowID, name string) {
	t.Helper()
	SaveRunHistory(t, c, workflowID, "", name)
}

// SaveRunHistory is SaveHistory for one run (runID "" is the latest): a
// run that continued as new holds the commands of its hand-over.
func SaveRunHistory(t testing.TB, c client.Client, workflowID, runID, name string) {
	t.Helper()
	if os.Getenv("CALLCYCLE_UPDATE_HISTORIES") == "" {
		return
	}
	h := &historypb.History{}
	it := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	data, err := protojson.MarshalOptions{Indent: " "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(repoRoot(), "workflows", "testdata", "histories")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
