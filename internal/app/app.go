// Package app builds the long-lived clients both programs share: one
// Temporal client, one PostgreSQL pool, one logger per process.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/callcycle/callcycle/internal/config"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// Logger is a structured logger at the configured level.
func Logger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// Dial connects to Temporal with the settings envconfig read (mTLS, API
// key...).
func Dial(c config.Temporal, log *slog.Logger) (client.Client, error) {
	return DialMetrics(c, log, nil)
}

// DialMetrics is Dial with the SDK's metrics sent to m (nil: none).
func DialMetrics(c config.Temporal, log *slog.Logger, m client.MetricsHandler) (client.Client, error) {
	opts, err := c.ClientOptions()
	if err != nil {
		return nil, fmt.Errorf("Temporal client settings (TEMPORAL_TLS_*, TEMPORAL_API_KEY): %w", err)
	}
	opts.Logger = tlog.NewStructuredLogger(log)
	opts.MetricsHandler = m
	cl, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (TEMPORAL_ADDRESS): %w", c.Address, err)
	}
	return cl, nil
}

// OpenDB opens the pool and checks the database answers.
func OpenDB(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	// pgxpool defaults to max(4, CPUs) connections; a worker runs many
	// activities at once (grants deliver their mails concurrently), so
	// give it room unless the URL says otherwise (pool_max_conns).
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 20
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL (DATABASE_URL): %w", err)
	}
	return pool, nil
}
