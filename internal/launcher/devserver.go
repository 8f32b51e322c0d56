package launcher

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
)

// DevServer is `temporal server start-dev` from the pinned CLI.
type DevServer struct {
	opts   TemporalOptions
	addr   string
	uiURL  string
	proc   *Process
	client client.Client
}

// startDevServer starts the dev server; on ports it chose itself it tries
// up to three times. A port free when chosen need not be free when the
// server binds it (another test's server, a client's ephemeral port), and
// the server then exits at once: CI saw one "temporal exited (exit status
// 2)" among a dozen parallel stacks. Ports the caller fixed are not
// retried: that exit is the answer.
func startDevServer(ctx context.Context, opts TemporalOptions) (Temporal, error) {
	for attempt := 1; ; attempt++ {
		t, err := startDevServerOnce(ctx, opts)
		if err == nil || opts.Port != 0 || attempt == 3 || ctx.Err() != nil || !errors.Is(err, ErrExited) {
			return t, err
		}
	}
}

func startDevServerOnce(ctx context.Context, opts TemporalOptions) (Temporal, error) {
	if opts.Bin == "" {
		return nil, fmt.Errorf("temporal dev server: no CLI binary given (Tools.Temporal)")
	}
	port, err := portOr(opts.Port)
	if err != nil {
		return nil, err
	}
	s := &DevServer{opts: opts, addr: hostPort(port)}
	args := []string{"server", "start-dev", "--ip", Loopback, "--port", strconv.Itoa(port),
		"--namespace", opts.Namespace, "--log-level", or(opts.LogLevel, "warn"),
		// The SDK's dev-server helper turns this off too: the check calls
		// out to the internet, which these machines cannot reach.
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false"}
	if opts.UIPort < 0 {
		args = append(args, "--headless")
	} else {
		ui, err := portOr(opts.UIPort)
		if err != nil {
			return nil, err
		}
		args = append(args, "--ui-port", strconv.Itoa(ui))
		s.uiURL = "http://localhost:" + strconv.Itoa(ui)
	}
	if opts.StateFile != "" {
		args = append(args, "--db-filename", opts.StateFile)
		for _, p := range opts.SQLitePragmas {
			args = append(args, "--sqlite-pragma", p)
		}
	}
	for _, sa := range opts.SearchAttributes {
		args = append(args, "--search-attribute", sa.Name+"="+sa.Type)
	}
	for _, kv := range opts.DynamicConfig {
		args = append(args, "--dynamic-config-value", kv)
	}
	s.proc = &Process{Name: "temporal", Bin: opts.Bin, Args: args, LogPath: opts.LogPath, Detach: opts.Detach}
	if err := killOnError(s.proc, s.start(ctx)); err != nil {
		return nil, err
	}
	return s, nil
}

// start (re)starts the server and waits until it answers. A cold start
// with a large state file replays it first: a minute and more on a loaded
// machine.
func (s *DevServer) start(ctx context.Context) error {
	return s.proc.restart(ctx, 15*time.Second, 2*time.Minute, func(ctx context.Context) bool {
		if s.client != nil { // a restart: the client reconnects by itself
			return healthy(ctx, s.client) == nil
		}
		c, err := dialOnce(ctx, s.addr, s.opts.Namespace, s.opts.ClientLog)
		s.client = c
		return err == nil
	})
}

func (s *DevServer) FrontendHostPort() string { return s.addr }
func (s *DevServer) Namespace() string        { return s.opts.Namespace }
func (s *DevServer) UIURL() string            { return s.uiURL }
func (s *DevServer) Client() client.Client    { return s.client }
func (s *DevServer) Processes() []*Process    { return []*Process{s.proc} }

// Restart stops the server (SIGTERM) and starts it on the same state file
// and port. An in-memory server comes back empty.
func (s *DevServer) Restart(ctx context.Context) error { return s.start(ctx) }

// Stop closes the client and stops the server.
func (s *DevServer) Stop() {
	s.closeClient()
	s.proc.Stop(15 * time.Second)
}

// Kill is kill -9 of the server.
func (s *DevServer) Kill() {
	s.closeClient()
	s.proc.Kill()
}

func (s *DevServer) closeClient() {
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
