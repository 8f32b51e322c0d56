package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/money"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/testsuite"
)

type fixture struct {
	db   *pgxpool.Pool
	sink *testenv.Mailpit
	acts *activities.Activities
	env  *testsuite.TestActivityEnvironment
	call callspec.Call
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, _ := testenv.Postgres(t)
	sink := testenv.StartMailpit(t)
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: sink.SMTPPort, TLS: "none", From: "callcycle <noreply@callcycle.test>"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, sink: sink, acts: &activities.Activities{DB: db, Mailer: m, OutputDir: t.TempDir()}}
	var s testsuite.WorkflowTestSuite
	f.env = s.NewTestActivityEnvironment()
	f.env.RegisterActivity(f.acts)
	f.call = callspec.Call{ID: "AP-TEST-2024", Kind: "sud", Year: 2024, Title: "Appel test", Theme: "t",
		Envelope: money.Euros(100000), MinGrant: money.Euros(1000), MaxGrant: money.Euros(50000),
		Regions: []string{"Ville-Province de Kinshasa"}, Deadline: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.run(t, f.acts.SaveCall, activities.SaveCallInput{Call: f.call, LaunchedAt: time.Now()}, nil)
	return f
}

func (f *fixture) run(t *testing.T, fn any, in any, out any) {
	t.Helper()
	v, err := f.env.ExecuteActivity(fn, in)
	if err != nil {
		t.Fatalf("activity: %v", err)
	}
	if out != nil {
		if err := v.Get(out); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// stage writes an inbox row as `starter apply` does.
func (f *fixture) stage(t *testing.T, token, email, lang string) {
	t.Helper()
	_, err := f.db.Exec(context.Background(), `INSERT INTO intake_inbox (token, call_id, contact_name, email, language, summary, duration_months)
		VALUES ($1, $2, 'Awa Diallo', $3, $4, 'résumé', 24)`, token, f.call.ID, email, lang)
	if err != nil {
		t.Fatal(err)
	}
}
