package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// heartbeatEvery is how often keepAlive reports; the workflows' file
// activities have a HeartbeatTimeout of 20 s (workflows.fileOptions).
const heartbeatEvery = 5 * time.Second

// keepAlive heartbeats until the returned stop is called, so that a worker
// killed in the middle of a long activity (a workbook of 10,000 rows, a
// batch of grant starts) is noticed within the HeartbeatTimeout and the
// attempt retried elsewhere, instead of after the StartToCloseTimeout
// (10 minutes: fault-run seeds 76 and 81 stalled that long).
func keepAlive(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	activity.RecordHeartbeat(ctx)
	go func() {
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done) }
}
