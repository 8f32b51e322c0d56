package app

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Execer is what DropDatabase needs: a connection or a pool.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// DropDatabase drops the database name (if it exists), ending the
// sessions our own role has in it first. Not DROP … WITH (FORCE): for a
// role that is not superuser, FORCE fails ("must be a member of the role
// whose process is being terminated", SQLSTATE 42501) whenever an
// autovacuum worker happens to be in the database, as one is after a
// busy run; a plain DROP DATABASE stops autovacuum itself and waits up to
// 5 s for the ended sessions to go. A session of another role still
// makes it fail, as it should: someone else uses that database.
func DropDatabase(ctx context.Context, db Execer, name string) error {
	if _, err := db.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid() AND usename = current_user`, name); err != nil {
		return err
	}
	_, err := db.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize())
	return err
}
