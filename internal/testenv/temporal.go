package testenv

import (
	"context"
	"io"
	"testing"

	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
)

// Temporal starts a dev server (in-memory store, free port) with the
// custom search attributes registered, and returns a client.
func Temporal(t testing.TB) (client.Client, *testsuite.DevServer) {
	ServiceTest(t)
	t.Helper()
	bin := Binary(t, "CALLCYCLE_TEMPORAL_BIN", "temporal")
	args := []string{"--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"}
	for _, sa := range workflows.SearchAttributeTypes {
		args = append(args, "--search-attribute", sa.Name+"="+sa.Type)
	}
	srv, err := testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{
		ExistingPath:  bin,
		LogLevel:      "error",
		ExtraArgs:     args,
		Stdout:        io.Discard,
		Stderr:        io.Discard,
		ClientOptions: &client.Options{Namespace: "default"},
	})
	if err != nil {
		t.Fatalf("start Temporal dev server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv.Client(), srv
}
