package observe

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// The SDK tags one metric name differently by where it emits it; every
// tag set must come out as its own series, counters with _total, timers
// as histograms in seconds.
func TestSDKMetricsInPrometheusFormat(t *testing.T) {
	sdk := NewSDK()
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if err := sdk.Register(reg); err != nil {
		t.Fatal(err)
	}
	root := sdk.WithTags(map[string]string{"namespace": "default"})
	root.Counter("temporal_request").Inc(2)
	root.WithTags(map[string]string{"operation": "PollWorkflowTaskQueue"}).Counter("temporal_request").Inc(3)
	root.Counter("temporal_request").Inc(1)  // the same series again
	root.Counter("temporal_request").Inc(-5) // ignored: a counter only goes up
	wt := root.WithTags(map[string]string{"workflow_type": "Call", "task-queue": "callcycle"})
	wt.Counter("temporal_workflow_task_execution_failed").Inc(1)
	wt.Timer("temporal_activity_schedule_to_start_latency").Record(30 * time.Millisecond)
	wt.Timer("temporal_activity_schedule_to_start_latency").Record(2 * time.Second)
	root.Gauge("temporal_num_pollers").Update(4)
	root.Gauge("temporal_num_pollers").Update(2)

	s := &Server{Registry: reg, Log: slog.New(slog.DiscardHandler)}
	code, body := scrape(t, s.Handler(), "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d\n%s", code, body)
	}
	for _, want := range []string{
		`temporal_request_total{namespace="default"} 3`,
		`temporal_request_total{namespace="default",operation="PollWorkflowTaskQueue"} 3`,
		`temporal_workflow_task_execution_failed_total{namespace="default",task_queue="callcycle",workflow_type="Call"} 1`,
		`temporal_activity_schedule_to_start_latency_seconds_bucket{namespace="default",task_queue="callcycle",workflow_type="Call",le="0.05"} 1`,
		`temporal_activity_schedule_to_start_latency_seconds_bucket{namespace="default",task_queue="callcycle",workflow_type="Call",le="2.5"} 2`,
		`temporal_activity_schedule_to_start_latency_seconds_count{namespace="default",task_queue="callcycle",workflow_type="Call"} 2`,
		`temporal_num_pollers{namespace="default"} 2`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestReadiness(t *testing.T) {
	reg, _ := NewRegistry()
	var dbErr error
	s := &Server{Registry: reg, Log: slog.New(slog.DiscardHandler),
		Checks: []Check{{Name: "database", Test: func(context.Context) error { return dbErr }}}}
	h := s.Handler()
	if code, body := scrape(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "starting") {
		t.Errorf("before Started: %d %q, want 503 starting", code, body)
	}
	s.Started()
	if code, body := scrape(t, h, "/readyz"); code != http.StatusOK {
		t.Errorf("started: %d %q, want 200", code, body)
	}
	dbErr = errors.New("connection refused")
	if code, body := scrape(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database: connection refused") {
		t.Errorf("database down: %d %q, want 503 naming the database", code, body)
	}
	dbErr = nil
	s.Stopping()
	if code, body := scrape(t, h, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "stopping") {
		t.Errorf("stopping: %d %q, want 503 stopping", code, body)
	}
	if code, _ := scrape(t, h, "/livez"); code != http.StatusOK {
		t.Errorf("/livez while stopping: %d, want 200", code)
	}
}

func TestListenAndProbe(t *testing.T) {
	reg, _ := NewRegistry()
	s := &Server{Registry: reg, Log: slog.New(slog.DiscardHandler)}
	if err := s.Listen("127.0.0.1:0", "WORKER_HTTP_ADDR"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := Probe(ctx, s.Addr()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("probe before Started: %v, want not ready (503)", err)
	}
	s.Started()
	if err := Probe(ctx, s.Addr()); err != nil {
		t.Errorf("probe: %v", err)
	}
	taken := &Server{Registry: reg, Log: slog.New(slog.DiscardHandler)}
	if err := taken.Listen(s.Addr(), "WORKER_HTTP_ADDR"); err == nil || !strings.Contains(err.Error(), "WORKER_HTTP_ADDR") {
		t.Errorf("a taken port: %v, want an error naming WORKER_HTTP_ADDR", err)
	}
	if err := taken.Listen("7240", "WORKER_HTTP_ADDR"); err == nil || !strings.Contains(err.Error(), "want host:port") {
		t.Errorf("no host: %v, want host:port", err)
	}
}
