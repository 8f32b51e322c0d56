package launcher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// Kind is a kind of Temporal server.
type Kind string

// KindDev is `temporal server start-dev`: one process, SQLite (a state
// file, or in memory), the Web UI built in.
const KindDev Kind = "dev"

// temporalKinds is every kind StartTemporal knows, each in its own file
// (devserver.go, temporalcluster.go).
var temporalKinds = map[Kind]func(context.Context, TemporalOptions) (Temporal, error){
	KindDev:     startDevServer,
	KindCluster: startCluster,
}

// Kinds are the known kinds' names, sorted.
func Kinds() []string {
	var ks []string
	for k := range temporalKinds {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	return ks
}

// Temporal is a running Temporal service of any kind, as its callers need
// it: where to connect, and how to take it down or bring it back (the
// fault run restarts it mid-replay).
type Temporal interface {
	// FrontendHostPort is the gRPC address clients and workers dial.
	FrontendHostPort() string
	Namespace() string
	// UIURL is the Web UI, "" when there is none.
	UIURL() string
	// Client is a client of the namespace, dialled at start and closed by
	// Stop (the SDK reconnects it by itself after a Restart).
	Client() client.Client
	// Processes are the server's processes, for logs and resource use.
	Processes() []*Process
	// Restart stops the server and starts it again on the same state and
	// ports, waiting (bounded by ctx) until it answers.
	Restart(ctx context.Context) error
	Stop()
	Kill()
}

// SearchAttribute is a custom search attribute and its server type
// (Keyword, Int, Bool…).
type SearchAttribute struct{ Name, Type string }

// TemporalOptions configure StartTemporal. Zero values are the test
// defaults: dev server, in memory, free port, no UI. StateFile and
// SQLitePragmas are the dev server's; Cluster the cluster's.
type TemporalOptions struct {
	Kind Kind   // "" is KindDev
	Bin  string // the temporal CLI (Tools.Temporal)
	// Port and UIPort: 0 is a free port; UIPort -1 means no UI.
	Port, UIPort int
	Namespace    string // "" is "default"
	// StateFile keeps the server's state across restarts ("" is in
	// memory); SQLitePragmas apply to it.
	StateFile        string
	SQLitePragmas    []string
	SearchAttributes []SearchAttribute
	// DynamicConfig are --dynamic-config-value settings, key=value.
	DynamicConfig []string
	LogLevel      string // server log level, "" is "warn"
	LogPath       string // "" discards the server's output
	Detach        bool   // outlive the caller (make dev)
	// ClientLog receives the SDK client's warnings; nil discards them.
	ClientLog io.Writer
	// Progress receives what a start does that takes long or changes
	// state (a schema upgrade); nil discards it.
	Progress io.Writer
	// Cluster configures KindCluster; UILogPath is its UI server's log.
	Cluster   ClusterOptions
	UILogPath string
}

// StartTemporal starts a server of opts.Kind and waits, bounded by ctx,
// until a client of its namespace connects.
func StartTemporal(ctx context.Context, opts TemporalOptions) (Temporal, error) {
	if opts.Kind == "" {
		opts.Kind = KindDev
	}
	start, ok := temporalKinds[opts.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown Temporal kind %q (known: %s)", opts.Kind, strings.Join(Kinds(), ", "))
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	return start(ctx, opts)
}

// DialTemporal connects to the namespace at addr, retrying until the
// frontend answers a health check or ctx ends (a server that is starting
// refuses connections for a few seconds). p, if not nil, is the server's
// process: its exit ends the wait at once.
func DialTemporal(ctx context.Context, addr, namespace string, p *Process, clientLog io.Writer) (client.Client, error) {
	var c client.Client
	var last error
	err := waitReady(ctx, p, "Temporal at "+addr, func(ctx context.Context) bool {
		c, last = dialOnce(ctx, addr, namespace, clientLog)
		return last == nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w (last answer: %v)", err, last)
	}
	return c, nil
}

// dialOnce connects and checks the frontend's health, in a few seconds
// at most; nil on any failure.
func dialOnce(ctx context.Context, addr, namespace string, clientLog io.Writer) (client.Client, error) {
	if clientLog == nil {
		clientLog = io.Discard
	}
	// Warnings only: the SDK logs every worker start at info.
	logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(clientLog, &slog.HandlerOptions{Level: slog.LevelWarn})))
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := client.DialContext(dctx, client.Options{HostPort: addr, Namespace: namespace, Logger: logger})
	if err != nil {
		return nil, err
	}
	if err := healthy(dctx, c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func healthy(ctx context.Context, c client.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// TemporalHealthy says whether a Temporal frontend answers at addr.
func TemporalHealthy(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := DialTemporal(ctx, addr, "default", nil, nil)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
