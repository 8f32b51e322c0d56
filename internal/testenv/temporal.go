package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/callcycle/callcycle/internal/launcher"
	"go.temporal.io/sdk/client"
)

// KindEnv selects the kind of Temporal server every end-to-end test runs
// on: unset or "dev" is the CLI's dev server (one process, in memory),
// "cluster" Temporal's own server on PostgreSQL, as an office deploys it
// (`make test` runs the suite on both).
const KindEnv = "CALLCYCLE_TEST_TEMPORAL"

// TemporalKind is the kind KindEnv selects; a value that names no kind
// fails the test, so a typo cannot quietly run the dev server instead.
func TemporalKind(t testing.TB) launcher.Kind {
	t.Helper()
	k, err := kindOf(os.Getenv(KindEnv))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func kindOf(v string) (launcher.Kind, error) {
	switch launcher.Kind(v) {
	case "", launcher.KindDev:
		return launcher.KindDev, nil
	case launcher.KindCluster:
		return launcher.KindCluster, nil
	}
	return "", fmt.Errorf("%s=%q: not a Temporal kind (dev or cluster)", KindEnv, v)
}

// Temporal starts a Temporal server of the kind KindEnv selects, of its
// own (a dev server in memory, or a cluster on fresh databases), on free
// ports, no UI, with the custom search attributes registered; it returns
// a client of its "default" namespace and the server (FrontendHostPort
// for a worker, Restart and Kill for fault tests).
func Temporal(t testing.TB) (client.Client, launcher.Temporal) {
	t.Helper()
	return TemporalOf(t, TemporalKind(t))
}

// TemporalOf is Temporal on the kind given, whatever KindEnv says: for
// a test of what only one kind has (a server restart keeps its state on
// the cluster; the in-memory dev server loses it).
func TemporalOf(t testing.TB, kind launcher.Kind) (client.Client, launcher.Temporal) {
	ServiceTest(t)
	t.Helper()
	opts := launcher.TemporalOptions{UIPort: -1, SearchAttributes: launcher.WorkflowSearchAttributes(),
		LogLevel: "error", LogPath: filepath.Join(t.TempDir(), "temporal.log")}
	ctx, cancel := startCtx(t)
	defer cancel()
	var srv launcher.Temporal
	var err error
	if kind == launcher.KindCluster {
		tl := ClusterTools(t)
		// Small pools: a package's tests run servers side by side, two
		// packages at once, on one PostgreSQL (max_connections 100).
		opts.Cluster.SQLMaxConns, opts.Cluster.SQLVisibilityMaxConns = 3, 2
		srv, err = launcher.StartFreshCluster(ctx, repoRoot(), tl, AdminURL(), "cc_test_", opts)
	} else {
		opts.Bin = Binary(t, "CALLCYCLE_TEMPORAL_BIN", "temporal")
		opts.DynamicConfig = []string{"frontend.enableUpdateWorkflowExecution=true"}
		srv, err = launcher.StartTemporal(ctx, opts)
	}
	if err != nil {
		t.Fatalf("start Temporal (%s): %v", kind, err)
	}
	t.Cleanup(srv.Stop)
	return srv.Client(), srv
}
