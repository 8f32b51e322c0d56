package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes runs the built binary as an officer would: every refusal,
// usage error, unknown flag or command exits 2; a service that cannot be
// reached exits 1. No service is needed (nothing listens on port 1).
func TestExitCodes(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "starter")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	down := []string{"DATABASE_URL=postgres://x:y@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", "TEMPORAL_ADDRESS=127.0.0.1:1"}
	for _, c := range []struct {
		name string
		args []string
		env  []string
		code int
		says string
	}{
		{"missing argument", []string{"launch"}, nil, 2, "accepts 1 arg"},
		{"too many arguments", []string{"status", "A", "B"}, nil, 2, "arg"},
		{"unknown flag", []string{"launch", "--nope", "x.yaml"}, nil, 2, "unknown flag: --nope"},
		{"unknown command", []string{"lanch"}, nil, 2, `unknown command "lanch"`},
		{"unknown subcommand", []string{"grant", "sgin", "X"}, nil, 2, `unknown command "sgin" for "starter grant"`},
		{"group without a command", []string{"review"}, nil, 2, "starter review needs a command"},
		{"bad configuration value", []string{"status", "AP-X"}, []string{"SMTP_PORT=seventy"}, 1, "SMTP_PORT"},
		{"service down", []string{"status", "AP-X"}, down, 1, "PostgreSQL"},
		{"help", []string{"--help"}, nil, 0, "Usage:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, c.args...)
			cmd.Env = append(os.Environ(), c.env...)
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code || !strings.Contains(string(out), c.says) {
				t.Errorf("starter %s: exit %d, want %d; output:\n%s(want it to mention %q)", strings.Join(c.args, " "), code, c.code, out, c.says)
			}
		})
	}
}
