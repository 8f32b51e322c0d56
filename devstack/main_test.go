package main_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A wrong command is a usage error (exit 2) that names the commands and
// starts nothing; test-env without a command too.
func TestUsageErrorsExitTwo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "devstack")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{}, {"start"}, {"test-env"}, {"test-env", "--"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cmd.Environ(), "CALLCYCLE_TOOLS="+t.TempDir())
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "usage: devstack") {
			t.Errorf("devstack %v: %v, %q; want exit 2 with the usage", args, err, out)
		}
	}
}
