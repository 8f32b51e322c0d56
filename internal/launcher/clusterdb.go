package launcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DatabaseAuthError: PostgreSQL refused the role or its password. Found
// before anything is created.
type DatabaseAuthError struct {
	Server, User string
	Err          error
}

func (e *DatabaseAuthError) Error() string {
	return fmt.Sprintf("PostgreSQL at %s refused role %q (wrong password or no such role); nothing was changed: %v", e.Server, e.User, e.Err)
}

func (e *DatabaseAuthError) Unwrap() error { return e.Err }

// SchemaTooOldError: a database holds a Temporal schema older than the
// server binary needs. The server would refuse to start on it; the
// launcher refuses first, having changed nothing, unless asked to upgrade
// (ClusterOptions.UpgradeSchema).
type SchemaTooOldError struct {
	Database, Have, Want string
}

func (e *SchemaTooOldError) Error() string {
	return fmt.Sprintf("database %s holds Temporal schema %s, older than the %s that Temporal server %s needs; nothing was changed: back it up, then upgrade it (update-schema)",
		e.Database, e.Have, e.Want, TemporalServerVersion)
}

// schemaState is what a database holds: exists, and its schema version
// ("" for none yet).
type schemaState struct {
	Name, Dir string // database, and its folder in the schema (temporal, visibility)
	Exists    bool
	Version   string
	Want      string
}

// checkDatabases connects with the cluster's role and reads both
// databases' schema versions, changing nothing: a wrong password or an
// old schema is found here, before any database or process is made.
func checkDatabases(ctx context.Context, db sqlTarget, schemaDir string, upgrade bool) ([]schemaState, error) {
	ctx, cancel := within(ctx, 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, db, "postgres")
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	states := []schemaState{{Name: db.Persistence, Dir: "temporal"}, {Name: db.Visibility, Dir: "visibility"}}
	for i := range states {
		s := &states[i]
		if s.Want, err = shippedVersion(filepath.Join(schemaDir, s.Dir, "versioned")); err != nil {
			return nil, err
		}
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, s.Name).Scan(&s.Exists); err != nil {
			return nil, fmt.Errorf("PostgreSQL at %s:%s: %w", db.Host, db.Port, err)
		}
		if !s.Exists {
			continue
		}
		if s.Version, err = schemaVersion(ctx, db, s.Name); err != nil {
			return nil, err
		}
		if s.Version != "" && compareVersions(s.Version, s.Want) < 0 && !upgrade {
			return nil, &SchemaTooOldError{Database: s.Name, Have: s.Version, Want: s.Want}
		}
	}
	return states, nil
}

func connect(ctx context.Context, db sqlTarget, name string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, db.url(name))
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000"):
		return nil, &DatabaseAuthError{Server: db.Host + ":" + db.Port, User: db.User, Err: err}
	case err != nil:
		return nil, fmt.Errorf("PostgreSQL at %s:%s (database %s): %w", db.Host, db.Port, name, err)
	}
	return conn, nil
}

// schemaVersion is the version temporal-sql-tool recorded in database
// name, "" when it has no schema_version table (a database made but not
// set up).
func schemaVersion(ctx context.Context, db sqlTarget, name string) (string, error) {
	conn, err := connect(ctx, db, name)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var v string
	err = conn.QueryRow(ctx, `SELECT curr_version FROM schema_version WHERE version_partition = 0 AND db_name = $1`, name).Scan(&v)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01", errors.Is(err, pgx.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read the Temporal schema version of %s: %w", name, err)
	}
	return v, nil
}

// shippedVersion is the newest version in a versioned schema folder (one
// vX.Y folder per version, each with a manifest.json): the version the
// server of the same module expects.
func shippedVersion(dir string) (string, error) {
	manifests, err := filepath.Glob(filepath.Join(dir, "*", "manifest.json"))
	if err != nil || len(manifests) == 0 {
		return "", fmt.Errorf("no Temporal schema in %s (built with the cluster tools: devstack tools --kind cluster)", dir)
	}
	newest := ""
	for _, m := range manifests {
		b, err := os.ReadFile(m)
		if err != nil {
			return "", err
		}
		var man struct{ CurrVersion string }
		if err := json.Unmarshal(b, &man); err != nil || man.CurrVersion == "" {
			return "", fmt.Errorf("%s: no CurrVersion (%v)", m, err)
		}
		if newest == "" || compareVersions(man.CurrVersion, newest) > 0 {
			newest = man.CurrVersion
		}
	}
	return newest, nil
}

// compareVersions orders dotted versions numerically: 1.9 < 1.18.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

// prepareDatabases creates the databases that are missing and brings
// both schemas to the version the binary ships: setup-schema -v 0.0 on an
// empty database, then update-schema -d on the versioned folder (which
// applies only what is missing, so a later run with a newer binary
// upgrades). A database already at that version is not touched.
func prepareDatabases(ctx context.Context, db sqlTarget, states []schemaState, sqlTool, schemaDir string, log func(string, ...any)) error {
	conn, err := connect(ctx, db, "postgres")
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range states {
		if !s.Exists {
			if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{s.Name}.Sanitize()); err != nil {
				return fmt.Errorf("create database %s: %w", s.Name, err)
			}
		}
		if s.Version != "" && compareVersions(s.Version, s.Want) >= 0 {
			continue
		}
		if s.Version == "" {
			if err := runSQLTool(ctx, sqlTool, db, s.Name, "setup-schema", "-v", "0.0"); err != nil {
				return err
			}
		}
		log("Temporal schema of %s: %s → %s", s.Name, or(s.Version, "none"), s.Want)
		if err := runSQLTool(ctx, sqlTool, db, s.Name, "update-schema", "-d", filepath.Join(schemaDir, s.Dir, "versioned")); err != nil {
			return err
		}
	}
	return nil
}

// SetupTemporalSchema runs temporal-sql-tool on database name of the
// role in rawURL: setup-schema -v 0.0, then update-schema up to version
// (the newest in schemaDir when ""). Tests use it to leave an older
// schema behind; the cluster kind prepares its databases itself.
func SetupTemporalSchema(ctx context.Context, sqlTool, schemaDir, rawURL, name, dir, version string) error {
	db, err := parseSQLTarget(rawURL, "")
	if err != nil {
		return err
	}
	if err := runSQLTool(ctx, sqlTool, db, name, "setup-schema", "-v", "0.0"); err != nil {
		return err
	}
	args := []string{"update-schema", "-d", filepath.Join(schemaDir, dir, "versioned")}
	if version != "" {
		args = append(args, "-v", version)
	}
	return runSQLTool(ctx, sqlTool, db, name, args...)
}

// TemporalSchemaVersion is the Temporal schema version database name of
// the role in rawURL holds ("" for none).
func TemporalSchemaVersion(ctx context.Context, rawURL, name string) (string, error) {
	db, err := parseSQLTarget(rawURL, "")
	if err != nil {
		return "", err
	}
	return schemaVersion(ctx, db, name)
}

func runSQLTool(ctx context.Context, bin string, db sqlTarget, name string, args ...string) error {
	base := []string{"--plugin", "postgres12", "--ep", db.Host, "-p", db.Port, "-u", db.User, "--db", name}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	// The password by the environment: not on the process list.
	cmd.Env = append(baseEnv(), "SQL_PASSWORD="+db.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("temporal-sql-tool %s on %s: %v\n%s", args[0], name, err, strings.TrimSpace(string(out)))
	}
	return nil
}
