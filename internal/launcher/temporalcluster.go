package launcher

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
)

// KindCluster is Temporal's own server (go.temporal.io/server, not the
// CLI's dev server) on PostgreSQL for persistence and visibility, with the
// Web UI server beside it, read-only: how an office that outgrows the dev
// server runs Temporal.
const KindCluster Kind = "cluster"

// ClusterOptions configure a KindCluster server; the dev server ignores
// them.
type ClusterOptions struct {
	// ServerBin, SQLToolBin, UIBin and SchemaDir: Tools.TemporalServer,
	// TemporalSQLTool, TemporalUIServer and TemporalSchema.
	ServerBin, SQLToolBin, UIBin, SchemaDir string
	// ConfigFile and UIConfigFile are the deploy/ templates
	// (ClusterServerConfig, ClusterUIConfig, from the module root);
	// DynamicConfigFile the server's dynamic config (DevDynamicConfig).
	ConfigFile, UIConfigFile, DynamicConfigFile string
	// DatabaseURL is the persistence database and the role that owns it
	// (made if missing: the role needs CREATEDB then); the visibility
	// database is VisibilityDatabase on the same server, "" for the
	// persistence database's name + "_visibility".
	DatabaseURL        string
	VisibilityDatabase string
	// Ports: 0 is a free port; Frontend is TemporalOptions.Port.
	Ports ClusterPorts
	// Retention of the namespace's closed workflows; 0 is DefaultRetention.
	Retention time.Duration
	// NamespaceMustExist: the namespace is the office's and is not made
	// here; one that does not exist stops the start.
	NamespaceMustExist bool
	// UpgradeSchema lets a start bring an older schema up to the binary's
	// version; without it an older schema stops the start, unchanged.
	UpgradeSchema bool
	// SQLMaxConns and SQLVisibilityMaxConns cap each of the server's
	// services' pools (four services in one process, so four pools of
	// each); 0 is the config's default (20 and 10), sized for an office's
	// server. Tests that run several servers side by side on one
	// PostgreSQL make them small, within its max_connections.
	SQLMaxConns, SQLVisibilityMaxConns int
}

// ClusterServer is a running KindCluster server and its UI server.
type ClusterServer struct {
	opts   TemporalOptions
	ports  ClusterPorts
	db     sqlTarget
	addr   string
	uiURL  string
	server *Process
	ui     *Process
	client client.Client
}

// clusterPlan is a cluster start's settings, resolved and checked.
type clusterPlan struct {
	opts   TemporalOptions
	ports  ClusterPorts
	uiPort int
	db     sqlTarget
}

// planCluster checks a cluster's settings against the machine without
// changing anything: the ports it must bind are free, the binaries are
// there, the role's password works, and neither schema is older than the
// binary (unless UpgradeSchema). Every bad setting is found here, first.
func planCluster(ctx context.Context, opts TemporalOptions) (clusterPlan, []schemaState, error) {
	co := opts.Cluster
	p := clusterPlan{opts: opts, ports: co.Ports, uiPort: opts.UIPort}
	if opts.Port != 0 {
		p.ports.Frontend = opts.Port
	}
	fixed := p.ports.named()
	if p.uiPort > 0 {
		fixed = append(fixed, namedPort{"Temporal Web UI", p.uiPort})
	}
	if err := portsFree(fixed); err != nil {
		return p, nil, err
	}
	var err error
	if p.db, err = parseSQLTarget(co.DatabaseURL, co.VisibilityDatabase); err != nil {
		return p, nil, err
	}
	for _, f := range []struct{ what, path string }{{"Temporal server", co.ServerBin}, {"temporal-sql-tool", co.SQLToolBin},
		{"server config", co.ConfigFile}, {"dynamic config", co.DynamicConfigFile}} {
		if f.path == "" {
			return p, nil, fmt.Errorf("temporal cluster: no %s given", f.what)
		}
		if _, err := os.Stat(f.path); err != nil {
			return p, nil, fmt.Errorf("temporal cluster: %s: %w (build the cluster tools: devstack tools --kind cluster)", f.what, err)
		}
	}
	if p.uiPort >= 0 && (co.UIBin == "" || co.UIConfigFile == "") {
		return p, nil, fmt.Errorf("temporal cluster: a UI is asked for but no UI server or UI config is given")
	}
	states, err := checkDatabases(ctx, p.db, co.SchemaDir, co.UpgradeSchema)
	return p, states, err
}

// PrepareClusterDatabases does a cluster start's database part alone:
// the checks, then the databases made and their schemas brought to the
// binary's version (with opts.Cluster.UpgradeSchema, an older one too).
func PrepareClusterDatabases(ctx context.Context, opts TemporalOptions) error {
	p, states, err := planCluster(ctx, opts)
	if err != nil {
		return err
	}
	return prepareDatabases(ctx, p.db, states, opts.Cluster.SQLToolBin, opts.Cluster.SchemaDir, logTo(opts.Progress))
}

func startCluster(ctx context.Context, opts TemporalOptions) (Temporal, error) {
	p, states, err := planCluster(ctx, opts)
	if err != nil {
		return nil, err
	}
	co := opts.Cluster
	if err := prepareDatabases(ctx, p.db, states, co.SQLToolBin, co.SchemaDir, logTo(opts.Progress)); err != nil {
		return nil, err
	}
	if p.ports, err = p.ports.withFree(); err != nil {
		return nil, err
	}
	s := &ClusterServer{opts: opts, ports: p.ports, db: p.db, addr: hostPort(p.ports.Frontend)}
	s.server = &Process{Name: "temporal", Bin: co.ServerBin,
		Args: append(configArgs(co.ConfigFile), "--allow-no-auth", "start"),
		Env:  append(clusterServerEnv(p.db, p.ports, co.DynamicConfigFile, opts.LogLevel), co.poolEnv()...), LogPath: opts.LogPath, Detach: opts.Detach}
	if err := killOnError(s.server, s.start(ctx)); err != nil {
		return nil, err
	}
	if err := s.setUp(ctx, co); err != nil {
		s.Kill()
		return nil, err
	}
	if p.uiPort >= 0 {
		if p.uiPort, err = portOr(p.uiPort); err != nil {
			s.Kill()
			return nil, err
		}
		if err := s.startUI(ctx, p.uiPort); err != nil {
			s.Kill()
			return nil, err
		}
	}
	return s, nil
}

// poolEnv sets the pools' sizes asked for, leaving the config's defaults
// otherwise.
func (co ClusterOptions) poolEnv() []string {
	var env []string
	if co.SQLMaxConns > 0 {
		env = append(env, "SQL_MAX_CONNS="+strconv.Itoa(co.SQLMaxConns))
	}
	if co.SQLVisibilityMaxConns > 0 {
		env = append(env, "SQL_VIS_MAX_CONNS="+strconv.Itoa(co.SQLVisibilityMaxConns))
	}
	return env
}

// setUp makes the namespace (or checks it is there) and its search
// attributes, and waits until the frontend serves them.
func (s *ClusterServer) setUp(ctx context.Context, co ClusterOptions) error {
	ns := s.opts.Namespace
	if co.NamespaceMustExist {
		if err := checkNamespace(ctx, s.client, s.addr, ns); err != nil {
			return err
		}
	} else if err := ensureNamespace(ctx, s.client, ns, or0(co.Retention, DefaultRetention)); err != nil {
		return err
	}
	// A namespace just made reaches the frontend's cache a moment later;
	// until then the operator API does not know it.
	var last error
	rctx, cancel := within(ctx, time.Minute)
	defer cancel()
	if err := waitReady(rctx, s.server, "search attributes of "+ns, func(ctx context.Context) bool {
		last = registerSearchAttributes(ctx, s.client, ns, s.opts.SearchAttributes)
		return last == nil
	}); err != nil {
		return fmt.Errorf("%w (last answer: %v)", err, last)
	}
	return namespaceUsable(ctx, s.client, ns, s.opts.SearchAttributes)
}

// start (re)starts the server and waits until its frontend answers; the
// first start of a fresh cluster joins its ring and makes its system
// namespace first (tens of seconds on a loaded machine).
func (s *ClusterServer) start(ctx context.Context) error {
	return s.server.restart(ctx, 20*time.Second, 3*time.Minute, func(ctx context.Context) bool {
		if s.client != nil {
			return healthy(ctx, s.client) == nil
		}
		c, err := dialOnce(ctx, s.addr, s.opts.Namespace, s.opts.ClientLog)
		s.client = c
		return err == nil
	})
}

func (s *ClusterServer) startUI(ctx context.Context, port int) error {
	co := s.opts.Cluster
	s.ui = &Process{Name: "temporal-ui", Bin: co.UIBin, Args: append(configArgs(co.UIConfigFile), "start"),
		Env: clusterUIEnv(s.addr, port, s.opts.Namespace), LogPath: s.opts.UILogPath, Detach: s.opts.Detach}
	s.uiURL = "http://localhost:" + strconv.Itoa(port)
	health := fmt.Sprintf("http://%s/healthz", hostPort(port))
	return killOnError(s.ui, s.ui.restart(ctx, 5*time.Second, time.Minute, func(ctx context.Context) bool {
		return httpOK(ctx, health)
	}))
}

func (s *ClusterServer) FrontendHostPort() string { return s.addr }
func (s *ClusterServer) Namespace() string        { return s.opts.Namespace }
func (s *ClusterServer) UIURL() string            { return s.uiURL }
func (s *ClusterServer) Client() client.Client    { return s.client }

// Ports are the ports the server binds.
func (s *ClusterServer) Ports() ClusterPorts { return s.ports }

// Processes are the server, then the UI server if there is one.
func (s *ClusterServer) Processes() []*Process {
	if s.ui == nil {
		return []*Process{s.server}
	}
	return []*Process{s.server, s.ui}
}

// Restart stops the server (SIGTERM) and starts it again on the same
// databases and ports; the UI server reconnects by itself.
func (s *ClusterServer) Restart(ctx context.Context) error { return s.start(ctx) }

// Stop closes the client and stops the UI server, then the server.
func (s *ClusterServer) Stop() {
	s.closeClient()
	if s.ui != nil {
		s.ui.Stop(5 * time.Second)
	}
	s.server.Stop(20 * time.Second)
}

// Kill is kill -9 of both.
func (s *ClusterServer) Kill() {
	s.closeClient()
	if s.ui != nil {
		s.ui.Kill()
	}
	s.server.Kill()
}

func (s *ClusterServer) closeClient() {
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
}

// logTo writes progress lines to w, if any.
func logTo(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, "==> "+format+"\n", args...)
		}
	}
}

func or0[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
