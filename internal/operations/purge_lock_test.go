package operations

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"
)

// The lock the CLI holds while it imports is the one the purge respects:
// rows of a live import, however old, are kept; once the import has ended
// (or its CLI died) they are purged, and the lock does not linger on the
// pooled connection.
func TestPurgeSparesALiveImport(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	e := &Service{DB: db}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts := &activities.Activities{DB: db}
	env.RegisterActivity(acts)
	purge := func(run string) activities.PurgeIntakeResult {
		t.Helper()
		v, err := env.ExecuteActivity(acts.PurgeIntake, activities.PurgeIntakeInput{Run: run, Retention: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		var res activities.PurgeIntakeResult
		if err := v.Get(&res); err != nil {
			t.Fatal(err)
		}
		return res
	}

	importID := uuid.NewString()
	conn, release, err := e.holdImport(ctx, importID)
	if err != nil {
		t.Fatal(err)
	}
	app := intake.Application{ContactName: "Awa Diallo", Email: "awa@twende.example", Language: "fr", Summary: "résumé", DurationMonths: 12}
	if _, err := stage(ctx, conn, "AP-SLOW-2024", importID, []intake.Application{app, app}); err != nil {
		t.Fatal(err)
	}
	// An import that has been waiting on its updates for two days.
	if _, err := db.Exec(ctx, `UPDATE intake_inbox SET created_at = now() - interval '2 days'`); err != nil {
		t.Fatal(err)
	}
	if res := purge("while-importing"); res.Purged != 0 || res.KeptAlive != 2 {
		t.Fatalf("purge during the import: %+v", res)
	}
	release()
	var held int
	// pg_locks is the whole cluster's: the parallel tests' own imports, in
	// their own databases, hold the same lock class (this test failed
	// under make test when one did). Only this database's locks count.
	if err := db.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $1
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, intake.ImportLockClass).Scan(&held); err != nil || held != 0 {
		t.Fatalf("import locks still held: %d (%v)", held, err)
	}
	if res := purge("after-the-import"); res.Purged != 2 || res.KeptAlive != 0 {
		t.Fatalf("purge after the import: %+v", res)
	}
}
