package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/audit"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

func appendN(t *testing.T, db *pgxpool.Pool, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n { // side by side, as two portals and a CLI would
		wg.Go(func() {
			_, err := audit.Append(context.Background(), db, audit.Entry{Actor: fmt.Sprintf("user-%d", i%3), Role: "officer",
				Action: "grant.paid", Target: fmt.Sprintf("GRANT-AP-SUD-2030-%04d", i), InputDigest: audit.Digest(i), Result: "ok"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Concurrent appends make one chain without gaps; the application role
// cannot update, delete or truncate it.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	appendN(t, db, 40)
	res, err := audit.Verify(ctx, db)
	if err != nil || res.Rows != 40 {
		t.Fatalf("verify: %+v, %v; want 40 rows and an intact chain", res, err)
	}
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'someone else' WHERE seq = 3`,
		`DELETE FROM audit_log WHERE seq = 3`,
		`TRUNCATE audit_log`,
	} {
		_, err := db.Exec(ctx, q)
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "42501" { // insufficient_privilege
			t.Errorf("%s: %v, want it refused (42501)", q, err)
		}
	}
	if after, err := audit.Verify(ctx, db); err != nil || after != res {
		t.Errorf("after the refused changes: %+v, %v", after, err)
	}
}

// Someone with the database owner's rights goes around the trigger and
// the privileges: an edited row, a removed one and a forged replacement
// are each found, at the row where the chain breaks.
func TestAuditVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	tamper := func(t *testing.T, db *pgxpool.Pool, sql string) {
		t.Helper()
		for _, q := range []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`, `GRANT UPDATE, DELETE ON audit_log TO CURRENT_USER`, sql} {
			if _, err := db.Exec(context.Background(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	for _, tc := range []struct {
		name, sql string
		seq       int64
		reason    string
	}{
		{"edited", `UPDATE audit_log SET actor = 'someone else' WHERE seq = 7`, 7, "edited"},
		{"result changed", `UPDATE audit_log SET result = 'ok', at = at + interval '1 second' WHERE seq = 12`, 12, "edited"},
		{"deleted", `DELETE FROM audit_log WHERE seq = 5`, 6, "missing"},
		// A deleted row replaced by one with a fresh hash of its own: the
		// next row no longer follows it.
		{"replaced", `UPDATE audit_log SET actor = 'x', hash = repeat('a', 64) WHERE seq = 9`, 9, "edited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, _ := testenv.Postgres(t)
			appendN(t, db, 15)
			tamper(t, db, tc.sql)
			_, err := audit.Verify(context.Background(), db)
			var b *audit.Broken
			if !errors.As(err, &b) || b.Seq != tc.seq || !strings.Contains(b.Reason, tc.reason) {
				t.Fatalf("verify after %s: %v, want broken at row %d (%s)", tc.name, err, tc.seq, tc.reason)
			}
		})
	}
}

func TestAuditBetween(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	day := time.Date(2030, 3, 1, 10, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{day.Add(-time.Hour), day, day.Add(23 * time.Hour), day.Add(24 * time.Hour)} {
		if _, err := audit.Append(ctx, db, audit.Entry{At: at, Actor: "a", Role: "officer", Action: "call.close", Target: fmt.Sprint(i), Result: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := audit.Between(ctx, db, day, day.Add(24*time.Hour))
	if err != nil || len(rows) != 2 || rows[0].Target != "1" || rows[1].Target != "2" {
		t.Fatalf("between: %+v, %v; want rows 1 and 2", rows, err)
	}
}
