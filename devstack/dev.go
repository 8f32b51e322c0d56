package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/observe"
)

// dev is the repository's stack: its folders and the settings read once.
type dev struct {
	root, run, logDir string
	tools             launcher.Tools
	databaseURL       string // from the environment; "" is the local callcycle database
	cluster           string // CALLCYCLE_PG_CLUSTER
}

func newDev(ctx context.Context) (*dev, error) {
	root, err := launcher.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	tools := os.Getenv("CALLCYCLE_TOOLS")
	if tools == "" {
		tools = filepath.Join(root, ".tools")
	}
	run := filepath.Join(root, ".run")
	return &dev{root: root, run: run, logDir: filepath.Join(run, "logs"),
		tools:       launcher.Tools{Dir: abs(root, tools), Log: os.Stderr},
		databaseURL: os.Getenv("DATABASE_URL"), cluster: os.Getenv("CALLCYCLE_PG_CLUSTER")}, nil
}

// db makes sure PostgreSQL runs and has the callcycle role and database,
// and returns the URL of that database. A DATABASE_URL from the
// environment is someone else's database: used as given, nothing touched.
func (d *dev) db(ctx context.Context) (string, error) {
	if d.databaseURL != "" {
		logf("using DATABASE_URL from the environment (%s)", launcher.Redact(d.databaseURL))
		return d.databaseURL, nil
	}
	c, err := d.pgCluster(ctx)
	if err != nil {
		return "", err
	}
	if err := launcher.AsPostgres(ctx, c, launcher.DevRoleSQL); err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://callcycle:callcycle@localhost:%d/callcycle?sslmode=disable", c.Port), nil
}

// pgCluster is the local PostgreSQL cluster, installed and started if
// need be (and then recorded, so that `down` stops it and nothing else).
func (d *dev) pgCluster(ctx context.Context) (launcher.Cluster, error) {
	if err := os.MkdirAll(d.run, 0o755); err != nil {
		return launcher.Cluster{}, err
	}
	c, err := launcher.FindCluster(ctx, d.cluster)
	if err != nil && d.cluster == "" {
		logf("installing PostgreSQL from Debian (%v)", err)
		install := exec.CommandContext(ctx, "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null")
		install.Stdout, install.Stderr = os.Stderr, os.Stderr
		if ierr := install.Run(); ierr != nil {
			return c, fmt.Errorf("install PostgreSQL: %w", ierr)
		}
		c, err = launcher.FindCluster(ctx, d.cluster)
	}
	if err != nil {
		return c, err
	}
	if !c.Online {
		logf("starting PostgreSQL cluster %s", c)
	}
	started, err := launcher.StartCluster(ctx, c)
	if err != nil {
		return c, err
	}
	if started {
		// Remember that we started it, so `down` stops it and nothing else.
		if err := os.WriteFile(d.startedFile(), []byte(c.Version+" "+c.Name+"\n"), 0o644); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (d *dev) startedFile() string { return filepath.Join(d.run, "postgres.started") }

func (d *dev) build(ctx context.Context) error {
	logf("building bin/worker, bin/starter and bin/portal")
	for _, pkg := range []string{"worker", "starter", "portal"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join("bin", pkg), "./"+pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = d.root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build ./%s: %w", pkg, err)
		}
	}
	return nil
}

func (d *dev) up(ctx context.Context, args []string) error {
	f, err := parseUp(args)
	if err != nil {
		return err
	}
	if f.kind == string(launcher.KindCluster) {
		return d.clusterUp(ctx, f)
	}
	if err := d.tools.Ensure(ctx); err != nil {
		return err
	}
	dbURL, err := d.db(ctx)
	if err != nil {
		return err
	}
	if err := d.build(ctx); err != nil {
		return err
	}
	var env []string
	if os.Getenv("OUTPUT_DIR") == "" {
		env = append(env, "OUTPUT_DIR="+filepath.Join(d.root, "out")) // the README's out/
	}
	logf("starting (or reusing) the Temporal dev server, Mailpit and the worker")
	s, err := launcher.StartStack(ctx, launcher.StackOptions{Root: d.root, Dir: d.run, LogDir: d.logDir,
		Tools: d.tools, Ports: launcher.DevPorts, DatabaseURL: dbURL,
		DynamicConfigFile: filepath.Join(d.root, launcher.DevDynamicConfig),
		WorkerBin:         filepath.Join(d.root, "bin", "worker"), WorkerEnv: env, Detach: true, Workers: f.workers,
		Portal: true, PortalBin: filepath.Join(d.root, "bin", "portal"), IDPUsers: idpUsers()})
	if err != nil {
		return err
	}
	s.Stop() // closes our connections; detached services keep running
	if err := seedUsers(ctx, dbURL, s.PortalURL, filepath.Join(d.run, "tokens.env")); err != nil {
		return err
	}
	fmt.Printf(`
callcycle dev stack is up
  Temporal UI     %s
  Mailpit         http://localhost:%d   (SMTP localhost:%d)
  Temporal gRPC   %s
  DATABASE_URL    %s
  Worker          http://%s/readyz   (/livez, /metrics)
  Portal API      %s   (health and metrics: http://127.0.0.1:%d/readyz)
%s  starter         source %s   (CALLCYCLE_URL and the demo staff's tokens)
  Logs            %s/{temporal,mailpit,worker,oidc-provider,portal}.log
`, s.TemporalUI, launcher.DevPorts.MailpitUI, launcher.DevPorts.SMTP, s.TemporalAddress, launcher.Redact(dbURL),
		launcher.DevPorts.WorkerHTTPAddr(0), s.PortalURL, launcher.DevPorts.PortalOps, signInHelp(s.PortalURL), relative(d.root, filepath.Join(d.run, "tokens.env")), d.logDir)
	return nil
}

// down stops both stacks (the cluster's first: its workers may use the
// PostgreSQL cluster the dev stack started).
func (d *dev) down(ctx context.Context) error {
	for _, name := range launcher.StopRecorded(d.clusterRun()) {
		logf("stopped cluster %s", name)
	}
	for _, name := range launcher.StopRecorded(d.run) {
		logf("stopped %s", name)
	}
	b, err := os.ReadFile(d.startedFile())
	if err != nil {
		return nil
	}
	var c launcher.Cluster
	if _, err := fmt.Sscan(string(b), &c.Version, &c.Name); err != nil {
		return fmt.Errorf("%s: %w", d.startedFile(), err)
	}
	logf("stopping PostgreSQL cluster %s (started by devstack)", c)
	if err := launcher.StopCluster(ctx, c); err != nil {
		return err
	}
	return os.Remove(d.startedFile())
}

func (d *dev) status(ctx context.Context) error {
	show := func(dir, prefix string, ports launcher.Ports, names []string) {
		worker := 0
		for _, name := range names {
			state := "stopped"
			if pid := launcher.RecordedPid(dir, name); pid != 0 {
				state = fmt.Sprintf("running (pid %d)", pid)
				if strings.HasPrefix(name, "worker") {
					state += " " + workerReadiness(ctx, ports.WorkerHTTPAddr(worker))
				}
				if name == "portal" {
					state += " " + workerReadiness(ctx, fmt.Sprintf("127.0.0.1:%d", ports.PortalOps))
				}
			}
			if strings.HasPrefix(name, "worker") {
				worker++
			}
			fmt.Printf("%-20s %s\n", prefix+name, state)
		}
	}
	show(d.run, "", launcher.DevPorts, append(launcher.Services(launcher.KindDev, 1), launcher.FrontServices...))
	if _, err := os.Stat(d.clusterRun()); err == nil {
		show(d.clusterRun(), "cluster ", launcher.ClusterStackPorts, append(launcher.Services(launcher.KindCluster, recordedWorkers(d.clusterRun())), launcher.FrontServices...))
	}
	state := "not installed"
	if d.databaseURL != "" {
		state = "external: " + launcher.Redact(d.databaseURL)
	} else if c, err := launcher.FindCluster(ctx, d.cluster); err == nil {
		online := "down"
		if c.Online {
			online = "online"
		}
		state = fmt.Sprintf("%s port %d %s", c, c.Port, online)
		if _, err := os.Stat(d.startedFile()); err == nil {
			state += " (started by devstack)"
		}
	}
	fmt.Printf("%-20s %s\n", "postgres", state)
	if launcher.PortOpen(launcher.DevPorts.Temporal) && launcher.RecordedPid(d.run, "temporal") == 0 {
		fmt.Printf("note: something else is listening on :%d\n", launcher.DevPorts.Temporal)
	}
	return nil
}

// workerReadiness is what a worker's (or the portal's) /readyz says.
func workerReadiness(ctx context.Context, addr string) string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := observe.Probe(ctx, addr); err != nil {
		return fmt.Sprintf("(http://%s/readyz: %v)", addr, err)
	}
	return fmt.Sprintf("ready (http://%s/readyz, /metrics)", addr)
}

// logs follows the services' logs (tail -F) until interrupted; with
// --kind cluster first, the cluster stack's.
func (d *dev) logs(names []string) error {
	logDir, kind, workers := d.logDir, launcher.KindDev, 1
	if len(names) >= 2 && names[0] == "--kind" && names[1] == string(launcher.KindCluster) {
		names, logDir, kind = names[2:], filepath.Join(d.clusterRun(), "logs"), launcher.KindCluster
		workers = recordedWorkers(d.clusterRun())
	}
	if len(names) == 0 {
		names = append(launcher.Services(kind, workers), launcher.FrontServices...)
	}
	lines := os.Getenv("LOG_LINES")
	if lines == "" {
		lines = "50"
	}
	args := []string{"tail", "-n", lines, "-F"}
	for _, n := range names {
		if p := filepath.Join(logDir, n+".log"); fileExists(p) {
			args = append(args, p)
		}
	}
	if len(args) == 4 {
		return fmt.Errorf("no logs yet in %s", logDir)
	}
	return execve(args)
}

// testEnv is what `make test` needs: the tools (the cluster's too) and PostgreSQL, but no
// servers (tests start their own on free ports); then CMD runs with the
// variables internal/testenv reads.
func (d *dev) testEnv(ctx context.Context, cmd []string) error {
	if err := d.tools.Ensure(ctx); err != nil {
		return err
	}
	// The launcher's cluster tests need them; built once, then cached.
	if err := d.tools.EnsureCluster(ctx); err != nil {
		return err
	}
	dbURL, err := d.db(ctx)
	if err != nil {
		return err
	}
	admin := os.Getenv("CALLCYCLE_TEST_DATABASE_URL")
	if admin == "" {
		// Same server and role, maintenance database "postgres", from
		// which tests create and drop their own databases.
		u, err := url.Parse(dbURL)
		if err != nil {
			return fmt.Errorf("DATABASE_URL: %w", err)
		}
		u.Path = "/postgres"
		admin = u.String()
	}
	set := map[string]string{"CALLCYCLE_TOOLS": d.tools.Dir, "CALLCYCLE_TEMPORAL_BIN": d.tools.Temporal(),
		"CALLCYCLE_MAILPIT_BIN": d.tools.Mailpit(), "CALLCYCLE_TEST_DATABASE_URL": admin, "DATABASE_URL": dbURL}
	for k, v := range set {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return execve(cmd)
}

// execve replaces devstack by argv[0] (found on PATH), so its exit status
// and signals are the command's own.
func execve(argv []string) error {
	bin, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	return syscall.Exec(bin, argv, os.Environ())
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// recordedWorkers is how many workers a stack folder has a pid file for
// (at least one).
func recordedWorkers(dir string) int {
	more, _ := filepath.Glob(filepath.Join(dir, "worker-*.pid"))
	return 1 + len(more)
}
