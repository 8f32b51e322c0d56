package launcher_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// A database still in use by our own role (a pool a crashed run left
// open) is dropped all the same, and nothing of it is left.
func TestDropEndsOurSessions(t *testing.T) {
	t.Parallel()
	testenv.ServiceTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pg, err := launcher.StartPostgres(ctx, launcher.PostgresOptions{AdminURL: testenv.AdminURL()})
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer pg.Close()
	db, err := pg.CreateDatabase(ctx, "cc_test_drop_")
	if err != nil {
		t.Fatal(err)
	}
	left, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer left.Close(context.Background())
	if err := db.Drop(ctx); err != nil {
		t.Fatalf("drop with a session of our own role still in it: %v", err)
	}
	admin, err := pgx.Connect(ctx, testenv.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, db.Name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database %s still there (%d, %v)", db.Name, n, err)
	}
}
