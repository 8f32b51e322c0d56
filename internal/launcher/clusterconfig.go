package launcher

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The cluster's configuration files, one per component, relative to the
// module root; docker-compose.yml mounts the same files (compose_test.go).
// Both are templates the programs render themselves from the environment
// that clusterServerEnv and clusterUIEnv give them.
const (
	ClusterServerConfig = "deploy/temporal/server.yaml"
	ClusterUIConfig     = "deploy/temporal/ui.yaml"
)

// ClusterPorts are every port the real server binds: a gRPC and a
// membership port per service, the frontend's HTTP API and the metrics.
type ClusterPorts struct {
	Frontend, FrontendHTTP, History, Matching, Worker                           int
	FrontendMembership, HistoryMembership, MatchingMembership, WorkerMembership int
	Metrics                                                                     int
}

// ClusterDevPorts are `make cluster`'s fixed ports: the server's defaults
// plus 10000, so that the cluster runs beside `make dev`'s dev server
// (7233) and a server of the default ports.
var ClusterDevPorts = ClusterPorts{Frontend: 17233, FrontendHTTP: 17243, History: 17234, Matching: 17235, Worker: 17239,
	FrontendMembership: 16933, HistoryMembership: 16934, MatchingMembership: 16935, WorkerMembership: 16939, Metrics: 18000}

// ClusterStackPorts are `make cluster`'s stack ports, the dev stack's
// plus 10000 likewise: Temporal 17233, its UI 18233, SMTP 11025, Mailpit 18025.
var ClusterStackPorts = Ports{Temporal: ClusterDevPorts.Frontend, TemporalUI: 18233, SMTP: 11025, MailpitUI: 18025, Worker: 17240, Portal: 17280, PortalOps: 17281, IDP: 17290}

// named lists the ports with what binds them, for messages.
func (p ClusterPorts) named() []namedPort {
	return []namedPort{{"Temporal frontend gRPC", p.Frontend}, {"Temporal frontend HTTP", p.FrontendHTTP},
		{"Temporal history gRPC", p.History}, {"Temporal matching gRPC", p.Matching}, {"Temporal worker gRPC", p.Worker},
		{"Temporal frontend membership", p.FrontendMembership}, {"Temporal history membership", p.HistoryMembership},
		{"Temporal matching membership", p.MatchingMembership}, {"Temporal worker membership", p.WorkerMembership},
		{"Temporal metrics", p.Metrics}}
}

// Free cluster ports are drawn below 32768: the server records its
// services' ports in PostgreSQL as a smallint (cluster_membership), and
// the kernel's own free ports (32768 and up) do not fit.
const freeClusterPortLow, freeClusterPortHigh = 20000, 32767

// withFree gives each port left 0 a free one, distinct from the others.
func (p ClusterPorts) withFree() (ClusterPorts, error) {
	fields := []*int{&p.Frontend, &p.FrontendHTTP, &p.History, &p.Matching, &p.Worker,
		&p.FrontendMembership, &p.HistoryMembership, &p.MatchingMembership, &p.WorkerMembership, &p.Metrics}
	// Every listener stays open until all are chosen, so the kernel cannot
	// hand out the same port twice.
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for _, f := range fields {
		if *f != 0 {
			continue
		}
		l, err := listenLow()
		if err != nil {
			return p, err
		}
		held = append(held, l)
		*f = l.Addr().(*net.TCPAddr).Port
	}
	return p, nil
}

// listenLow listens on a free port between freeClusterPortLow and
// freeClusterPortHigh, tried at random.
func listenLow() (net.Listener, error) {
	for range 200 {
		port := freeClusterPortLow + rand.IntN(freeClusterPortHigh-freeClusterPortLow+1)
		if l, err := net.Listen("tcp", hostPort(port)); err == nil {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no free port between %d and %d", freeClusterPortLow, freeClusterPortHigh)
}

type namedPort struct {
	What string
	Port int
}

// PortTakenError: a port the stack must bind is held by another process.
// It is found before anything is started or changed.
type PortTakenError struct {
	Port int
	What string
}

func (e *PortTakenError) Error() string {
	return fmt.Sprintf("port %d (%s) is taken by another process; nothing was started: stop that process or choose other ports", e.Port, e.What)
}

// portsFree fails on the first fixed port (0 is "any free one") that
// cannot be bound on the loopback address.
func portsFree(ports []namedPort) error {
	for _, p := range ports {
		if p.Port == 0 {
			continue
		}
		l, err := net.Listen("tcp", hostPort(p.Port))
		if err != nil {
			return &PortTakenError{Port: p.Port, What: p.What}
		}
		l.Close()
	}
	return nil
}

// sqlTarget is a PostgreSQL role and server, and the two databases the
// cluster keeps its state in.
type sqlTarget struct {
	Host, Port, User, Password string
	Persistence, Visibility    string
}

func parseSQLTarget(rawURL, visibility string) (sqlTarget, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return sqlTarget{}, fmt.Errorf("Temporal database URL %q: want postgres://user:password@host:port/database", Redact(rawURL))
	}
	t := sqlTarget{Host: u.Hostname(), Port: or(u.Port(), "5432"), User: u.User.Username(),
		Persistence: strings.TrimPrefix(u.Path, "/")}
	t.Password, _ = u.User.Password()
	if t.Host == "" || t.User == "" || t.Persistence == "" {
		return sqlTarget{}, fmt.Errorf("Temporal database URL %s: a host, a role and a database are needed", Redact(rawURL))
	}
	t.Visibility = or(visibility, t.Persistence+"_visibility")
	return t, nil
}

// url is the target's URL for database name.
func (t sqlTarget) url(name string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(t.User, t.Password),
		Host: net.JoinHostPort(t.Host, t.Port), Path: "/" + name, RawQuery: "sslmode=disable"}
	return u.String()
}

// clusterServerEnv is the environment deploy/temporal/server.yaml is
// rendered with. Only these variables and a few of the caller's (PATH,
// HOME…) are given, so the caller's own LOG_LEVEL or DB_PORT cannot reach
// the server.
func clusterServerEnv(db sqlTarget, p ClusterPorts, dynamicConfig, logLevel string) []string {
	return append(baseEnv(),
		"LOG_LEVEL="+or(logLevel, "warn"),
		"POSTGRES_SEEDS="+db.Host, "DB_PORT="+db.Port,
		"POSTGRES_USER="+db.User, "POSTGRES_PWD="+db.Password,
		"DBNAME="+db.Persistence, "VISIBILITY_DBNAME="+db.Visibility,
		"BIND_ON_IP="+Loopback, "TEMPORAL_BROADCAST_ADDRESS="+Loopback,
		"FRONTEND_GRPC_PORT="+strconv.Itoa(p.Frontend), "FRONTEND_HTTP_PORT="+strconv.Itoa(p.FrontendHTTP),
		"FRONTEND_MEMBERSHIP_PORT="+strconv.Itoa(p.FrontendMembership),
		"HISTORY_GRPC_PORT="+strconv.Itoa(p.History), "HISTORY_MEMBERSHIP_PORT="+strconv.Itoa(p.HistoryMembership),
		"MATCHING_GRPC_PORT="+strconv.Itoa(p.Matching), "MATCHING_MEMBERSHIP_PORT="+strconv.Itoa(p.MatchingMembership),
		"WORKER_GRPC_PORT="+strconv.Itoa(p.Worker), "WORKER_MEMBERSHIP_PORT="+strconv.Itoa(p.WorkerMembership),
		"PROMETHEUS_ENDPOINT="+hostPort(p.Metrics),
		"DYNAMIC_CONFIG_FILE_PATH="+dynamicConfig)
}

// clusterUIEnv is the environment deploy/temporal/ui.yaml is rendered with.
func clusterUIEnv(frontend string, uiPort int, ns string) []string {
	return append(baseEnv(),
		"TEMPORAL_ADDRESS="+frontend, "TEMPORAL_UI_HOST="+Loopback,
		"TEMPORAL_UI_PORT="+strconv.Itoa(uiPort), "TEMPORAL_DEFAULT_NAMESPACE="+ns,
		"TEMPORAL_CORS_ORIGINS="+fmt.Sprintf("http://localhost:%d", uiPort))
}

// baseEnv is what a server process keeps of the caller's environment.
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// configArgs are the --root, --config and --env flags that make the
// server or the UI server (both read <config dir>/<env>.yaml) load file.
func configArgs(file string) []string {
	dir, name := filepath.Split(file)
	return []string{"--root", filepath.Clean(dir), "--config", ".", "--env", strings.TrimSuffix(name, filepath.Ext(name))}
}
