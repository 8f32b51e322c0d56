package demo

import (
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/operations"
)

// The demo deletes what runs in its namespace and drops its database at
// every run: it must refuse to be pointed at the stack's own.
func TestWorldRefusesTheStacksOwn(t *testing.T) {
	t.Parallel()
	stack := World{
		Temporal:    config.Temporal{Address: "localhost:7233", Namespace: "default"},
		DatabaseURL: "postgres://callcycle:callcycle@localhost:5432/callcycle?sslmode=disable",
		Namespace:   "callcycle-demo", Database: "callcycle_demo",
	}
	u, err := stack.check()
	if err != nil || u != "postgres://callcycle:callcycle@localhost:5432/callcycle_demo?sslmode=disable" {
		t.Fatalf("the default world: %q %v", u, err)
	}
	for name, c := range map[string]struct {
		change func(*World)
		want   string
	}{
		"stack's namespace": {func(w *World) { w.Namespace = "default" }, "stack's own namespace"},
		"stack's database":  {func(w *World) { w.Database = "callcycle" }, "stack's own database"},
		"quoted database":   {func(w *World) { w.Database = `x"; DROP DATABASE callcycle; --` }, "want a PostgreSQL database name"},
		"empty namespace":   {func(w *World) { w.Namespace = "" }, "want a Temporal namespace name"},
	} {
		w := stack
		c.change(&w)
		_, err := w.check()
		if operations.KindOf(err) != operations.Refused || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want a refusal about %q, got %v", name, c.want, err)
		}
	}
}
