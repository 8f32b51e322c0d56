package observe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one condition of readiness; nil is ready.
type Check struct {
	Name string
	Test func(context.Context) error
}

// Server serves /livez, /readyz and /metrics on one listener.
//
// /livez answers 200 while the process serves HTTP at all: a supervisor
// restarts a process only when this fails. /readyz answers 200 when the
// process has started (Started) and is not stopping (Stopping), and
// every check passes, each within 2 s; otherwise 503 with one line per
// failed condition. /metrics is the registry in Prometheus' text format.
type Server struct {
	Registry *prometheus.Registry
	Checks   []Check
	Log      *slog.Logger

	started, stopping atomic.Bool
	srv               *http.Server
	addr              string
}

// NewRegistry is a registry with the Go runtime's and the process's own
// collectors (goroutines, heap, RSS, open files), and cs.
func NewRegistry(cs ...prometheus.Collector) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	for _, c := range append([]prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}, cs...) {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// Started marks the process ready to work (a worker: polling).
func (s *Server) Started() { s.started.Store(true) }

// Stopping marks the process as draining: /readyz fails from now on,
// /livez still answers.
func (s *Server) Stopping() { s.stopping.Store(true) }

// Handler is the three endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{
		// One failing collector (the database down) must not hide the
		// SDK's metrics that say why work stalls.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slogPrinter{s.Log},
	}))
	return mux
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	var failed []string
	switch {
	case s.stopping.Load():
		failed = append(failed, "stopping: draining in-flight work")
	case !s.started.Load():
		failed = append(failed, "starting: not yet polling")
	}
	for _, c := range s.Checks {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		err := c.Test(ctx)
		cancel()
		if err != nil {
			failed = append(failed, c.Name+": "+err.Error())
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(failed, "\n"))
		return
	}
	fmt.Fprintln(w, "ok")
}

// Listen binds addr (host:port) before returning, so a bad or taken
// address stops the process at start, then serves in the background.
func (s *Server) Listen(addr, setting string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("%s=%q: want host:port, such as 127.0.0.1:7240: %w", setting, addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", setting, err)
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Log.Error("observe listener", "err", err)
		}
	}()
	s.Log.Info("health and metrics listening", "addr", s.addr, "paths", "/livez /readyz /metrics")
	return nil
}

// Addr is the address listened on (the port chosen for ":0").
func (s *Server) Addr() string { return s.addr }

// Close stops the listener; it is the last thing a process does, after
// its work drained, so that /livez answers until then.
func (s *Server) Close() {
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		_ = s.srv.Close()
	}
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Warn("metrics", "err", fmt.Sprint(v...)) }

// Probe asks addr's /readyz (an address the process listens on, as in
// its setting: a wildcard host is asked on loopback) and returns nil
// when it answers 200: the `-healthcheck` of a container.
func Probe(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("not ready (%s): %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
