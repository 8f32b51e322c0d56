// Package activities is everything callcycle does to the outside world:
// PostgreSQL (the system of record), SMTP and Excel files. Activities are
// methods on Activities, which holds one pool and one mailer per process.
// Each is safe to retry: rows carry business keys under UNIQUE constraints.
package activities

import (
	"log/slog"
	"time"

	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
)

// Activities holds the dependencies.
type Activities struct {
	DB        *pgxpool.Pool
	Temporal  client.Client // starts grant workflows in batches
	Mailer    *mailer.Mailer
	OutputDir string
	Log       *slog.Logger
	// ClaimLease overrides DefaultClaimLease (tests that kill a worker
	// need not wait 2 minutes); it must exceed the mail activity's
	// heartbeat timeout.
	ClaimLease time.Duration
}

// Error types of permanent failures (temporal.NewNonRetryableApplicationError).
const (
	ErrTypeNotFound     = "NotFound"
	ErrTypeInboxMissing = "InboxMissing"
	ErrTypeInvalid      = "Invalid"
)

func (a *Activities) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}
