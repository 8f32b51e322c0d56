package workerapp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/workerapp"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/sdk/client"
)

// The yearly schedule exists with the configured spec after worker start
// (EnsureAnnualSchedule is what the worker runs), is updated when the
// configuration changes, and triggering it writes last year's report.
func TestAnnualReportSchedule(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	if err := workerapp.EnsureAnnualSchedule(ctx, s.tc, config.AnnualSchedule{Month: 1, Day: 31, Hour: 9}); err != nil {
		t.Fatal(err)
	}
	// A second worker start with another date updates the same schedule.
	want := config.AnnualSchedule{Month: 2, Day: 15, Hour: 7, Minute: 30}
	if err := workerapp.EnsureAnnualSchedule(ctx, s.tc, want); err != nil {
		t.Fatal(err)
	}
	h := s.tc.ScheduleClient().GetHandle(ctx, workflows.AnnualReportScheduleID)
	d, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec := d.Schedule.Spec
	if spec.TimeZoneName != "Europe/Brussels" || len(spec.Calendars) != 1 {
		t.Fatalf("spec %+v", spec)
	}
	c := spec.Calendars[0]
	if c.Month[0].Start != 2 || c.DayOfMonth[0].Start != 15 || c.Hour[0].Start != 7 || c.Minute[0].Start != 30 {
		t.Fatalf("calendar %+v", c)
	}
	next := d.Info.NextActionTimes
	if len(next) == 0 || next[0].In(callspec.Brussels).Format("01-02 15:04") != "02-15 07:30" {
		t.Fatalf("next runs %v", next)
	}

	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	last := time.Now().In(callspec.Brussels).Year() - 1
	path := filepath.Join(s.dir, fmt.Sprintf("annual-report-%d.xlsx", last))
	waitUntil(t, 30*time.Second, func() bool {
		_, err := os.Stat(path)
		return err == nil
	})
	d, _ = h.Describe(ctx)
	if len(d.Info.RecentActions) != 1 {
		t.Fatalf("recent actions %+v", d.Info.RecentActions)
	}
}
