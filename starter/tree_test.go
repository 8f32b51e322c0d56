package main

import (
	"sort"
	"testing"

	"github.com/spf13/cobra"
)

// runnable lists every command an officer can run (groups that only
// refuse to run alone are left out), by command path.
func runnable(root *cobra.Command) map[string]*cobra.Command {
	out := map[string]*cobra.Command{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Annotations[groupOnly] == "" && c != root {
			out[c.CommandPath()] = c
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}

// TestEveryCommandHasJSON walks the command tree: every runnable command
// takes --json and has the Result type it prints (resultTypes), and no
// entry of resultTypes names a command that does not exist.
func TestEveryCommandHasJSON(t *testing.T) {
	t.Parallel()
	cmds := runnable(newRoot(func(string) (string, bool) { return "", false }))
	if len(cmds) < 30 {
		t.Fatalf("only %d runnable commands found", len(cmds))
	}
	var paths []string
	for p := range cmds {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if f := cmds[p].Flag("json"); f == nil || f.Value.Type() != "bool" {
			t.Errorf("%s has no --json flag", p)
		}
		if resultTypes[p] == nil {
			t.Errorf("%s has no entry in resultTypes (what does it print with --json?)", p)
		}
	}
	for p := range resultTypes {
		if cmds[p] == nil {
			t.Errorf("resultTypes names %q, which is not a runnable command", p)
		}
	}
}
