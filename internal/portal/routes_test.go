package portal

import (
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/auth"
	"github.com/callcycle/callcycle/internal/operations"
)

// Every route of the API names a right of the table (or says any
// signed-in person may use it); a route that does not stops New.
func TestEveryRouteDeclaresARight(t *testing.T) {
	routes := Routes(nil)
	if _, err := New(Config{}, routes); err != nil {
		t.Fatal(err)
	}
	noop := func(*Request) (any, error) { return nil, nil }
	for name, bad := range map[string]Route{
		"no right":      {Method: "GET", Path: "/api/v1/secret", Handle: noop},
		"unknown right": {Method: "GET", Path: "/api/v1/typo", Right: auth.Right("calls.manages"), Handle: noop},
		"no handler":    {Method: "GET", Path: "/api/v1/empty", Right: auth.ReadReports},
	} {
		_, err := New(Config{}, append(Routes(nil), bad))
		if err == nil || !strings.Contains(err.Error(), bad.Path) {
			t.Errorf("%s: New = %v, want it refused naming %s", name, err, bad.Path)
		}
	}
}

// Every action that can wait for a second person can be approved and
// refused through the API.
func TestEveryApprovableActionHasItsRoutes(t *testing.T) {
	actions := map[string]int{}
	for _, rt := range Routes(nil) {
		for _, verb := range []string{".approve", ".refuse"} {
			if a, ok := strings.CutSuffix(rt.Action, verb); ok && strings.HasSuffix(rt.Path, "/"+verb[1:]) {
				actions[a]++
			}
		}
	}
	for _, a := range operations.ApprovableActions() {
		if actions[a] != 2 {
			t.Errorf("%s: %d of its approve and refuse routes", a, actions[a])
		}
	}
	if len(actions) != len(operations.ApprovableActions()) {
		t.Errorf("approval routes for %v, approvable actions %v", actions, operations.ApprovableActions())
	}
}
