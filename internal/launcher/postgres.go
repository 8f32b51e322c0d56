package launcher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/migrations"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultAdminURL is the role `devstack db` creates, on the maintenance
// database: it may create and drop databases.
const DefaultAdminURL = "postgres://callcycle:callcycle@localhost:5432/postgres?sslmode=disable"

// PostgresOptions configure StartPostgres.
type PostgresOptions struct {
	// AdminURL is a role allowed to CREATE DATABASE, on a maintenance
	// database; "" is DefaultAdminURL.
	AdminURL string
	// StartCluster starts the local Debian cluster serving AdminURL
	// (pg_ctlcluster, as root) when it does not answer. Tests leave it
	// off: they skip or fail on a missing server instead.
	StartCluster bool
}

// Postgres is a connection to a PostgreSQL server on which fresh databases
// are made.
type Postgres struct {
	AdminURL string
	admin    *pgxpool.Pool
}

// StartPostgres connects to the server of opts.AdminURL, starting its
// local cluster first if asked to, and waits (bounded by ctx) until it
// answers.
func StartPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	p := &Postgres{AdminURL: or(opts.AdminURL, DefaultAdminURL)}
	if opts.StartCluster {
		if _, err := EnsureCluster(ctx, p.AdminURL); err != nil {
			return nil, err
		}
	}
	admin, err := pgxpool.New(ctx, p.AdminURL)
	if err == nil {
		pctx, cancel := within(ctx, 30*time.Second)
		err = admin.Ping(pctx)
		cancel()
		if err != nil {
			admin.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w", Redact(p.AdminURL), err)
	}
	p.admin = admin
	return p, nil
}

// Database is a fresh database of its own, migrated.
type Database struct {
	Name string
	URL  string
	Pool *pgxpool.Pool
	pg   *Postgres
}

// CreateDatabase makes a database named prefix + random suffix, applies
// every migration, and returns it with a pool; Drop removes it.
func (p *Postgres) CreateDatabase(ctx context.Context, prefix string) (*Database, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := prefix + hex.EncodeToString(b[:])
	if _, err := p.admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	d := &Database{Name: name, URL: p.DatabaseURL(name), pg: p}
	var err error
	if d.Pool, err = pgxpool.New(ctx, d.URL); err == nil {
		_, err = migrations.Up(ctx, d.Pool)
	}
	if err != nil {
		_ = d.Drop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("migrate %s: %w", name, err)
	}
	return d, nil
}

// DatabaseURL is AdminURL with another database.
func (p *Postgres) DatabaseURL(name string) string {
	u, err := url.Parse(p.AdminURL)
	if err != nil {
		return p.AdminURL
	}
	u.Path = "/" + name
	return u.String()
}

// Drop closes the pool and drops the database, cutting any session left.
func (d *Database) Drop(ctx context.Context) error {
	if d.Pool != nil {
		d.Pool.Close()
	}
	ctx, cancel := within(ctx, 30*time.Second)
	defer cancel()
	return app.DropDatabase(ctx, d.pg.admin, d.Name)
}

// Close closes the admin connection.
func (p *Postgres) Close() { p.admin.Close() }

// Redact hides a URL's password, for messages.
func Redact(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return u
}
