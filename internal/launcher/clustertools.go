package launcher

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// The pinned real Temporal server (KindCluster), its schema tool and the
// Web UI server. docker-compose.yml names the images of these versions
// (compose_test.go checks it).
const (
	TemporalServerModule  = "go.temporal.io/server"
	TemporalServerVersion = "v1.29.1"
	TemporalUIModule      = "github.com/temporalio/ui-server/v2"
	TemporalUIVersion     = "v2.42.1"
)

// The binaries' folders are keyed by version, so a new pin is built
// beside the old one instead of over it; the server and the UI server are
// both `cmd/server`, hence a folder each.
func (t Tools) clusterDir(name, version string) string {
	return filepath.Join(t.Dir, name+"-"+version)
}

// TemporalServer is the real Temporal server.
func (t Tools) TemporalServer() string {
	return filepath.Join(t.clusterDir("temporal-server", TemporalServerVersion), "server")
}

// TemporalSQLTool is temporal-sql-tool (the module's cmd/tools/sql).
func (t Tools) TemporalSQLTool() string {
	return filepath.Join(t.clusterDir("temporal-sql-tool", TemporalServerVersion), "sql")
}

// TemporalUIServer is the Web UI server.
func (t Tools) TemporalUIServer() string {
	return filepath.Join(t.clusterDir("temporal-ui-server", TemporalUIVersion), "server")
}

// TemporalSchema is the PostgreSQL schema the server module ships
// (schema/postgresql/v12, with temporal/ and visibility/), copied beside
// the server binary of the same version.
func (t Tools) TemporalSchema() string {
	return filepath.Join(t.clusterDir("temporal-server", TemporalServerVersion), "schema", "postgresql", "v12")
}

// ClusterToolsOK says whether every cluster tool is built at its pinned
// version, so a caller can say what is missing without building it.
func (t Tools) ClusterToolsOK() bool {
	_, err := os.Stat(filepath.Join(t.TemporalSchema(), "temporal", "versioned"))
	return err == nil && builtFrom(t.TemporalServer(), TemporalServerModule, TemporalServerVersion) &&
		builtFrom(t.TemporalSQLTool(), TemporalServerModule, TemporalServerVersion) &&
		builtFrom(t.TemporalUIServer(), TemporalUIModule, TemporalUIVersion)
}

// EnsureCluster builds the cluster kind's tools that are missing, under
// the same lock as Ensure; `make dev` alone does not need them, so Ensure
// leaves them out. Run after Ensure, the server reuses most of the
// temporal CLI's build: about 4 minutes on two cores (3m35s measured; 10
// from a cold build cache), the schema tool seconds, the UI server under
// a minute.
func (t Tools) EnsureCluster(ctx context.Context) error {
	unlock, err := t.lock()
	if err != nil {
		return err
	}
	defer unlock()
	server := TemporalServerModule + "/cmd/server@" + TemporalServerVersion
	if !builtFrom(t.TemporalServer(), TemporalServerModule, TemporalServerVersion) {
		if err := t.installInto(ctx, filepath.Dir(t.TemporalServer()), "temporal server", server,
			"about 4 minutes on 2 cores after the temporal CLI (whose build it reuses), 10 from nothing"); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(t.TemporalSchema(), "temporal", "versioned")); err != nil {
		if err := t.copySchema(ctx); err != nil {
			return err
		}
	}
	if !builtFrom(t.TemporalSQLTool(), TemporalServerModule, TemporalServerVersion) {
		if err := t.installInto(ctx, filepath.Dir(t.TemporalSQLTool()), "temporal-sql-tool",
			TemporalServerModule+"/cmd/tools/sql@"+TemporalServerVersion, "seconds after the server"); err != nil {
			return err
		}
	}
	if !builtFrom(t.TemporalUIServer(), TemporalUIModule, TemporalUIVersion) {
		if err := t.installInto(ctx, filepath.Dir(t.TemporalUIServer()), "temporal ui-server",
			TemporalUIModule+"/cmd/server@"+TemporalUIVersion, "under a minute"); err != nil {
			return err
		}
	}
	return nil
}

// copySchema copies schema/postgresql/v12 out of the server module that
// `go install` left in the module cache: the SQL that goes with the
// binary, whatever the machine's checkout.
func (t Tools) copySchema(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", TemporalServerModule+"@"+TemporalServerVersion)
	cmd.Dir = os.TempDir() // outside callcycle's module: its go.sum stays as it is
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go mod download %s@%s: %w", TemporalServerModule, TemporalServerVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return fmt.Errorf("go mod download %s: no module folder in %q (%v)", TemporalServerModule, out, err)
	}
	src := filepath.Join(mod.Dir, "schema", "postgresql", "v12")
	dst := t.TemporalSchema()
	tmp := dst + ".tmp"
	_ = os.RemoveAll(tmp)
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(tmp, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, rel), b, 0o644)
	})
	if err != nil {
		return fmt.Errorf("copy the Temporal schema from %s: %w", src, err)
	}
	_ = os.RemoveAll(dst)
	return os.Rename(tmp, dst) // whole or not at all: ClusterToolsOK looks for it
}
