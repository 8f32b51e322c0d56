package main_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
)

// Issue 14 point 7: the worker serves /livez, /readyz and /metrics on
// WORKER_HTTP_ADDR. The launcher waits on /readyz; after a call's
// announcement went out, /metrics holds the SDK's own series (polls,
// activity latencies by type) and the outbox gauges, and `worker
// -healthcheck` says ready; a worker that is not there is not.
func TestWorkerHealthAndMetrics(t *testing.T) {
	testenv.ServiceTest(t)
	t.Parallel()
	db, dbURL := testenv.Postgres(t)
	tc, srv := testenv.Temporal(t)
	sink := testenv.StartMailpit(t)
	w := testenv.StartWorker(t, launcher.WorkerOptions{TemporalAddress: srv.FrontendHostPort(), DatabaseURL: dbURL, SMTPPort: sink.SMTPPort})
	if w.HTTPAddr == "" {
		t.Fatal("the launcher gave the worker no WORKER_HTTP_ADDR")
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + w.HTTPAddr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, p := range []string{"/livez", "/readyz"} {
		if code, body := get(p); code != http.StatusOK {
			t.Errorf("%s: %d %q, want 200", p, code, body)
		}
	}

	cfg, err := os.ReadFile(callFile(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc := &operations.Service{Temporal: tc, DB: db}
	if _, err := svc.Launch(ctx, operations.Actor{Name: "e2e-officer"}, operations.LaunchInput{Call: cfg, Source: "call.yaml"}); err != nil {
		t.Fatal(err)
	}
	sink.WaitFor(t, contacts, 2*time.Minute)
	var body string
	wait(t, "the outbox gauge to show every mail sent", time.Minute, func() bool {
		_, body = get("/metrics")
		return strings.Contains(body, `callcycle_mails_unsent{status="pending"} 0`) && strings.Contains(body, `callcycle_mails_unsent{status="sending"} 0`)
	})
	for _, re := range []string{
		`(?m)^temporal_workflow_task_queue_poll_succeed_total\{.*namespace="default".*\} [1-9]`,
		`(?m)^temporal_activity_execution_latency_seconds_count\{.*activity_type="DeliverMail".*\} [1-9]`,
		`(?m)^temporal_workflow_task_schedule_to_start_latency_seconds_bucket\{`,
		`(?m)^temporal_request_total\{`,
		`(?m)^callcycle_payments_unconfirmed 0$`,
		`(?m)^process_resident_memory_bytes `,
	} {
		if !regexp.MustCompile(re).MatchString(body) {
			t.Errorf("/metrics has no line matching %s", re)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}

	bin := testenv.WorkerBinary(t)
	probe := func(addr string) (int, string) {
		cmd := exec.Command(bin, "-healthcheck")
		cmd.Env = append(os.Environ(), "WORKER_HTTP_ADDR="+addr)
		out, err := cmd.CombinedOutput()
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := probe(w.HTTPAddr); code != 0 {
		t.Errorf("worker -healthcheck on the running worker: exit %d %s", code, out)
	}
	free, err := launcher.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if code, out := probe("127.0.0.1:" + strconv.Itoa(free)); code != 1 || !strings.Contains(out, "connection refused") {
		t.Errorf("worker -healthcheck where no worker listens: exit %d %q, want 1 and the refusal", code, out)
	}
}
