package portal

import (
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/auth"
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
