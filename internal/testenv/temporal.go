package testenv

import (
	"path/filepath"
	"testing"

	"github.com/callcycle/callcycle/internal/launcher"
	"go.temporal.io/sdk/client"
)

// Temporal starts a dev server (in-memory store, free port, no UI) with
// the custom search attributes registered, and returns a client of its
// "default" namespace and the server (FrontendHostPort for a worker).
func Temporal(t testing.TB) (client.Client, launcher.Temporal) {
	ServiceTest(t)
	t.Helper()
	bin := Binary(t, "CALLCYCLE_TEMPORAL_BIN", "temporal")
	sas := launcher.WorkflowSearchAttributes()
	ctx, cancel := startCtx(t)
	defer cancel()
	srv, err := launcher.StartTemporal(ctx, launcher.TemporalOptions{Bin: bin, UIPort: -1,
		SearchAttributes: sas, LogLevel: "error", LogPath: filepath.Join(t.TempDir(), "temporal.log"),
		DynamicConfig: []string{"frontend.enableUpdateWorkflowExecution=true"}})
	if err != nil {
		t.Fatalf("start Temporal dev server: %v", err)
	}
	t.Cleanup(srv.Stop)
	return srv.Client(), srv
}
