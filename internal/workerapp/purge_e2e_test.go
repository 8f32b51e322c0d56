package workerapp_test

import (
	"context"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/workerapp"
	"github.com/callcycle/callcycle/workflows"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// The purge schedule exists after worker start (EnsurePurgeSchedule is
// what the worker runs), a restart leaves one schedule, a new
// INTAKE_RETENTION replaces the old one, and a run it starts purges the
// abandoned rows and only those.
func TestPurgeIntakeSchedule(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	for _, r := range []time.Duration{72 * time.Hour, 72 * time.Hour, 24 * time.Hour} { // start, restart, changed setting
		if err := workerapp.EnsurePurgeSchedule(ctx, s.tc, r); err != nil {
			t.Fatalf("retention %s: %v", r, err)
		}
	}
	h := s.tc.ScheduleClient().GetHandle(ctx, workflows.PurgeIntakeScheduleID)
	d, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if iv := d.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != workflows.PurgeIntakeEvery {
		t.Fatalf("intervals %+v", iv)
	}
	act, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || act.Workflow != workflows.PurgeIntakeWorkflowName || len(act.Args) != 1 {
		t.Fatalf("action %+v", d.Schedule.Action)
	}
	var in workflows.PurgeIntakeInput
	if err := converter.GetDefaultDataConverter().FromPayload(act.Args[0].(*commonpb.Payload), &in); err != nil || in.Retention != 24*time.Hour {
		t.Fatalf("scheduled retention %+v (%v), want the last setting, 24h", in, err)
	}

	// Two stragglers of a CLI killed mid-import: one past the retention.
	for tok, age := range map[string]string{"c0000000-0000-4000-8000-000000000001": "25 hours", "c0000000-0000-4000-8000-000000000002": "23 hours"} {
		if _, err := s.db.Exec(ctx, `INSERT INTO intake_inbox (token, call_id, contact_name, email, language, summary, duration_months, created_at)
			VALUES ($1, 'AP-GONE-2024', 'Awa Diallo', 'awa@twende.example', 'fr', 'résumé', 12, now() - $2::interval)`, tok, age); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	// The runs the schedule started (the trigger's, and one more if the
	// hour struck meanwhile) purged the old row between them, once.
	var res workflows.PurgeIntakeResult
	waitUntil(t, 30*time.Second, func() bool {
		d, err := h.Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res = workflows.PurgeIntakeResult{}
		for _, a := range d.Info.RecentActions {
			var r workflows.PurgeIntakeResult
			if err := s.tc.GetWorkflow(ctx, a.StartWorkflowResult.WorkflowID, "").Get(ctx, &r); err != nil {
				t.Fatal(err)
			}
			res.Purged, res.KeptAlive = res.Purged+r.Purged, r.KeptAlive
		}
		return res.Purged > 0
	})
	if res.Purged != 1 || res.KeptAlive != 0 {
		t.Fatalf("purge runs: %+v", res)
	}
	if n := s.count(t, `SELECT count(*) FROM intake_inbox WHERE token = 'c0000000-0000-4000-8000-000000000002'`); n != 1 {
		t.Fatal("the row younger than the retention was purged")
	}
	if n := s.count(t, `SELECT count(*) FROM intake_inbox`); n != 1 {
		t.Fatalf("inbox rows = %d, want 1", n)
	}
	if n := s.count(t, `SELECT count(*) FROM purge_log WHERE run LIKE $1 || '%' AND purged = 1 AND retention = interval '24 hours'`, workflows.PurgeIntakeScheduledID); n != 1 {
		t.Fatal("purge_log has no line for the scheduled run")
	}
}
