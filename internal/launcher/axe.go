package launcher

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// AxeVersion is the axe-core the browser tests check pages with (WCAG
// 2.1 AA rules), from the npm registry.
const AxeVersion = "4.14.1"

// Axe is axe-core's browser script in the tools folder.
func (t Tools) Axe() string {
	return filepath.Join(t.Dir, "axe-core-"+AxeVersion, "node_modules", "axe-core", "axe.min.js")
}

// ensureAxe installs axe-core with npm, first time only.
func (t Tools) ensureAxe(ctx context.Context) error {
	if _, err := os.Stat(t.Axe()); err == nil {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is needed to fetch axe-core for the portal's accessibility checks (apt-get install -y npm)")
	}
	started := time.Now()
	dir := filepath.Join(t.Dir, "axe-core-"+AxeVersion)
	t.logf("fetching axe-core %s (npm) into %s, first time only: seconds", AxeVersion, dir)
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "axe-core@"+AxeVersion)
	cmd.Stdout, cmd.Stderr = t.out(), t.out()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install axe-core@%s: %w", AxeVersion, err)
	}
	t.logf("  axe-core fetched in %s", time.Since(started).Round(time.Second))
	return nil
}
