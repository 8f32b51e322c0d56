package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/testsuite"
)

// The purge workflow runs the purge activity with its retention, under a
// run name its log line can be found by, and returns the counts only.
func TestPurgeIntakeWorkflow(t *testing.T) {
	t.Parallel()
	db, _ := testenv.Postgres(t)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO intake_inbox (token, call_id, contact_name, email, language, summary, duration_months, created_at) VALUES
		('d0000000-0000-4000-8000-000000000001', 'AP-GONE-2024', 'Awa Diallo', 'awa@twende.example', 'fr', 'résumé', 12, now() - interval '8 days'),
		('d0000000-0000-4000-8000-000000000002', 'AP-GONE-2024', 'Jan Peeters', 'jan@twende.example', 'nl', 'samenvatting', 12, now() - interval '6 days')`); err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	workflows.Register(env)
	env.RegisterActivity(&activities.Activities{DB: db})
	env.ExecuteWorkflow(workflows.PurgeIntakeWorkflowName, workflows.PurgeIntakeInput{Retention: 7 * 24 * time.Hour})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var res workflows.PurgeIntakeResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Purged != 1 {
		t.Fatalf("result %+v (%v), want the 8-day-old row purged", res, err)
	}
	var run string
	var purged int
	if err := db.QueryRow(ctx, `SELECT run, purged FROM purge_log WHERE retention = interval '7 days'`).Scan(&run, &purged); err != nil || purged != 1 {
		t.Fatalf("purge_log: %q %d (%v)", run, purged, err)
	}
	if run != "default-test-workflow-id/default-test-run-id" {
		t.Errorf("purge_log run %q does not name the workflow run", run)
	}
}
