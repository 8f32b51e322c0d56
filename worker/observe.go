package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/callcycle/callcycle/internal/observe"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// observer is the worker's /livez, /readyz and /metrics (WORKER_HTTP_ADDR),
// or nothing when that is unset. It listens from the start, so a
// supervisor sees the process alive while it migrates; it is ready once
// the worker polls, and not ready again from SIGTERM on, while in-flight
// work drains.
type observer struct {
	srv *observe.Server
	sdk *observe.SDK
	tc  atomic.Value // client.Client, set once dialled; the Temporal check waits for it
}

func startObserver(addr string, pool *pgxpool.Pool, log *slog.Logger) (*observer, error) {
	if addr == "" {
		return &observer{}, nil
	}
	o := &observer{sdk: observe.NewSDK()}
	reg, err := observe.NewRegistry(observe.Backlog{DB: pool})
	if err != nil {
		return nil, err
	}
	if err := o.sdk.Register(reg); err != nil {
		return nil, err
	}
	o.srv = &observe.Server{Registry: reg, Log: log, Checks: []observe.Check{
		{Name: "database", Test: pool.Ping},
		{Name: "temporal", Test: func(ctx context.Context) error {
			c, ok := o.tc.Load().(client.Client)
			if !ok {
				return fmt.Errorf("not connected yet")
			}
			_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}}
	return o, o.srv.Listen(addr, "WORKER_HTTP_ADDR")
}

// metrics is the handler the Temporal client reports to (nil: none).
func (o *observer) metrics() client.MetricsHandler {
	if o.sdk == nil {
		return nil
	}
	return o.sdk
}

func (o *observer) connected(c client.Client) { o.tc.Store(c) }

func (o *observer) started() {
	if o.srv != nil {
		o.srv.Started()
	}
}

func (o *observer) stopping() {
	if o.srv != nil {
		o.srv.Stopping()
	}
}

func (o *observer) close() {
	if o.srv != nil {
		o.srv.Close()
	}
}

// healthcheck is `worker -healthcheck`: asks WORKER_HTTP_ADDR's /readyz,
// for a container's healthcheck (the image has no curl). Exit status 0
// when ready.
func healthcheck(addr string) int {
	if addr == "" {
		fmt.Fprintln(os.Stderr, "worker -healthcheck: WORKER_HTTP_ADDR is not set, so the worker serves no /readyz")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := observe.Probe(ctx, addr); err != nil {
		fmt.Fprintln(os.Stderr, "worker -healthcheck:", err)
		return 1
	}
	return 0
}
