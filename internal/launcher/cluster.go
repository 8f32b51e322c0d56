package launcher

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Cluster is a Debian PostgreSQL cluster (pg_lsclusters).
type Cluster struct {
	Version, Name string
	Port          int
	Online        bool
}

func (c Cluster) String() string { return c.Version + "/" + c.Name }

// Clusters lists the local clusters, lowest port first; none (and no
// error) when PostgreSQL is not installed.
func Clusters(ctx context.Context) ([]Cluster, error) {
	if _, err := exec.LookPath("pg_lsclusters"); err != nil {
		return nil, nil
	}
	out, err := exec.CommandContext(ctx, "pg_lsclusters", "-h").Output()
	if err != nil {
		return nil, fmt.Errorf("pg_lsclusters: %w", err)
	}
	var cs []Cluster
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		port, _ := strconv.Atoi(f[2])
		cs = append(cs, Cluster{Version: f[0], Name: f[1], Port: port, Online: strings.HasPrefix(f[3], "online")})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Port < cs[j].Port })
	return cs, nil
}

// FindCluster is the cluster named spec ("15 main"), or the one on the
// lowest port when spec is "".
func FindCluster(ctx context.Context, spec string) (Cluster, error) {
	cs, err := Clusters(ctx)
	if err != nil {
		return Cluster{}, err
	}
	for _, c := range cs {
		if spec == "" || c.Version+" "+c.Name == strings.Join(strings.Fields(spec), " ") {
			return c, nil
		}
	}
	if spec == "" {
		return Cluster{}, fmt.Errorf("no PostgreSQL cluster here (pg_lsclusters lists none)")
	}
	return Cluster{}, fmt.Errorf("no PostgreSQL cluster %q (pg_lsclusters)", spec)
}

// ClusterOf is the local cluster serving a URL's port.
func ClusterOf(ctx context.Context, rawURL string) (Cluster, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Cluster{}, err
	}
	if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" && h != "" {
		return Cluster{}, fmt.Errorf("PostgreSQL at %s is not a local cluster", h)
	}
	port := 5432
	if u.Port() != "" {
		port, _ = strconv.Atoi(u.Port())
	}
	cs, err := Clusters(ctx)
	if err != nil {
		return Cluster{}, err
	}
	for _, c := range cs {
		if c.Port == port {
			return c, nil
		}
	}
	return Cluster{}, fmt.Errorf("no local PostgreSQL cluster on port %d", port)
}

// EnsureCluster starts the local cluster serving rawURL if it is down and
// waits until it accepts connections. It reports whether it started it.
func EnsureCluster(ctx context.Context, rawURL string) (bool, error) {
	c, err := ClusterOf(ctx, rawURL)
	if err != nil {
		return false, err
	}
	return StartCluster(ctx, c)
}

// StartCluster starts c if it is down (pg_ctlcluster, as root) and waits,
// bounded by ctx, for pg_isready. It reports whether it started it.
func StartCluster(ctx context.Context, c Cluster) (bool, error) {
	started := false
	if !c.Online {
		// More connection slots than Debian's 100: a test run starts
		// Temporal servers side by side on this PostgreSQL, each with
		// pools of its own. For this start only; the config is untouched.
		if err := pgctl(ctx, c, "start", "--", "-o", "-c max_connections="+strconv.Itoa(MaxConnections)); err != nil {
			return false, err
		}
		started = true
	}
	ctx, cancel := within(ctx, 30*time.Second)
	defer cancel()
	err := waitReady(ctx, nil, "PostgreSQL "+c.String(), func(ctx context.Context) bool {
		return exec.CommandContext(ctx, "pg_isready", "-q", "-h", "localhost", "-p", strconv.Itoa(c.Port)).Run() == nil
	})
	return started, err
}

// StopCluster stops c.
func StopCluster(ctx context.Context, c Cluster) error { return pgctl(ctx, c, "stop") }

// RestartCluster restarts c: every session on it is cut (the fault run
// does this, on a cluster of its own).
func RestartCluster(ctx context.Context, c Cluster) error { return pgctl(ctx, c, "restart") }

// MaxConnections is the max_connections a PostgreSQL the launcher starts
// gets.
const MaxConnections = 300

func pgctl(ctx context.Context, c Cluster, action string, args ...string) error {
	out, err := exec.CommandContext(ctx, "pg_ctlcluster", append([]string{c.Version, c.Name, action}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctlcluster %s %s %s: %v %s", c.Version, c.Name, action, err, bytes.TrimSpace(out))
	}
	return nil
}

// AsPostgres runs psql as the postgres superuser (peer authentication) on
// c with sql on its input: how the callcycle role is made before any
// password exists.
func AsPostgres(ctx context.Context, c Cluster, sql string) error {
	args := []string{"psql", "-q", "-p", strconv.Itoa(c.Port), "-v", "ON_ERROR_STOP=1"}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--"}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, "sudo", append([]string{"-u", "postgres"}, args...)...)
	}
	cmd.Dir = "/" // postgres may not read the caller's directory
	cmd.Stdin = strings.NewReader(sql)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("psql as postgres on %s: %v %s", c, err, bytes.TrimSpace(out))
	}
	return nil
}

// DevRoleSQL creates the callcycle role (CREATEDB: tests make a database
// each) and database if missing; running it again changes nothing.
const DevRoleSQL = `SELECT 'CREATE ROLE callcycle' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'callcycle') \gexec
ALTER ROLE callcycle WITH LOGIN CREATEDB PASSWORD 'callcycle';
SELECT 'CREATE DATABASE callcycle OWNER callcycle' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'callcycle') \gexec
`
