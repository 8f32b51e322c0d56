package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/operations"
)

// `demo 2024 --list` prints the steps without any service; --from with a
// step the replay lacks is refused (exit 2) before anything connects.
func TestDemoSteps(t *testing.T) {
	t.Parallel()
	nothing := func(string) (string, bool) { return "", false }
	cl := &cli{by: "test"}
	run := func(args ...string) (string, error) {
		c := demoCmd(nothing, cl)
		var out bytes.Buffer
		c.SetOut(&out)
		c.SetErr(&out)
		c.SetArgs(args)
		err := c.Execute()
		return out.String(), err
	}
	out, err := run("2024", "--list")
	if err != nil || !strings.Contains(out, " 1  sud-launch ") || !strings.Contains(out, "19  annual-report ") {
		t.Errorf("--list: %v\n%s", err, out)
	}
	if _, err := run("2024", "--from", "grant"); operations.KindOf(err) != operations.Refused || !strings.Contains(err.Error(), `no step "grant"`) {
		t.Errorf("--from grant: want a refusal naming the step, got %v", err)
	}
}
