package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/launcher"
)

// Violation is one axe-core finding on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var where []string
	for _, n := range v.Nodes {
		where = append(where, strings.Join(n.Target, " "))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(where, ", "))
}

// Accessibility runs axe-core (the tools folder's, see launcher.Axe) on
// the page the browser shows, for WCAG 2.1 A and AA, and returns the
// serious and critical violations.
func Accessibility(t testing.TB, b *Browser) []Violation {
	t.Helper()
	script := axeScript(t)
	Eval[bool](t, b, script+";true")
	raw := EvalPromise[string](t, b, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`)
	var all []Violation
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		t.Fatalf("axe-core's answer: %v", err)
	}
	var bad []Violation
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v)
		}
	}
	return bad
}

func axeScript(t testing.TB) string {
	t.Helper()
	var dirs []string
	if dir := os.Getenv("CALLCYCLE_TOOLS"); dir != "" {
		dirs = append(dirs, dir)
	}
	if root := repoRoot(); root != "" {
		dirs = append(dirs, filepath.Join(root, ".tools"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cache", "callcycle-tools"))
	}
	for _, d := range dirs {
		if b, err := os.ReadFile(launcher.Tools{Dir: d}.Axe()); err == nil {
			return string(b)
		}
	}
	unavailable(t, "axe-core %s not found in the tools folder (run `make tools`)", launcher.AxeVersion)
	return ""
}
