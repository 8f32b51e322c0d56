package launcher_test

import (
	"context"
	"fmt"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// begin is a service test's start: the tools, a folder, a context.
func begin(t *testing.T, within time.Duration) (launcher.Tools, string, context.Context) {
	t.Helper()
	testenv.ServiceTest(t)
	ctx, cancel := context.WithTimeout(t.Context(), within)
	t.Cleanup(cancel)
	return tools(t), t.TempDir(), ctx
}

// tools is the folder of the cached binaries the tests run.
func tools(t *testing.T) launcher.Tools {
	t.Helper()
	bin := testenv.Binary(t, "CALLCYCLE_TEMPORAL_BIN", "temporal")
	return launcher.Tools{Dir: filepath.Dir(bin), TemporalBin: bin,
		MailpitBin: testenv.Binary(t, "CALLCYCLE_MAILPIT_BIN", "mailpit")}
}

func root(t *testing.T) string {
	t.Helper()
	r, err := launcher.ModuleRoot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func polling(ctx context.Context, s *launcher.Stack) bool {
	d, err := s.Temporal.Client().DescribeTaskQueue(ctx, workflows.TaskQueue, enums.TASK_QUEUE_TYPE_WORKFLOW)
	return err == nil && len(d.GetPollers()) > 0
}

func eventually(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(within); !ok(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: not after %s", what, within)
		}
	}
}

// A whole stack on free ports, as the bench and the fault run start it: the
// worker polls; killed with SIGKILL it is down, restarted it polls again;
// Stop ends every process and drops the fresh database.
func TestStackOnFreePortsWorkerKilledAndRestarted(t *testing.T) {
	tl, dir, ctx := begin(t, 5*time.Minute)
	s, err := launcher.StartStack(ctx, launcher.StackOptions{Root: root(t), Dir: dir, Tools: tl,
		Postgres: launcher.PostgresOptions{AdminURL: testenv.AdminURL()}, DBPrefix: "cc_launcher_"})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			s.Stop()
		}
	})
	for name, port := range map[string]string{"temporal": s.TemporalAddress, "smtp": fmt.Sprint(s.SMTPPort), "mailpit": s.MailpitAPI} {
		for _, dev := range []int{launcher.DevPorts.Temporal, launcher.DevPorts.SMTP, launcher.DevPorts.MailpitUI} {
			if strings.HasSuffix(port, fmt.Sprintf(":%d", dev)) || port == fmt.Sprint(dev) {
				t.Errorf("%s on %s: a dev port, want a free one", name, port)
			}
		}
	}
	if s.TemporalUI != "" {
		t.Errorf("test stack has a Temporal UI at %s, want none", s.TemporalUI)
	}
	eventually(t, "the worker to poll", time.Minute, func() bool { return polling(ctx, s) })
	var tables int
	if err := s.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'mail_log'`).Scan(&tables); err != nil || tables != 1 {
		t.Fatalf("fresh database not migrated: mail_log tables %d, %v", tables, err)
	}
	if _, err := s.Mailpit.Total(ctx); err != nil {
		t.Fatalf("mailpit API: %v", err)
	}

	w := s.Worker.Process()
	first := w.Pid()
	s.Worker.Kill()
	if w.Running() {
		t.Fatal("worker still running after Kill")
	}
	if err := s.Worker.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if w.Pid() == first || !w.Running() {
		t.Fatalf("worker not restarted: pid %d (was %d), running %v", w.Pid(), first, w.Running())
	}
	if !strings.Contains(w.Log(), "worker started") || strings.Count(w.Log(), "--- worker started") != 1 {
		t.Errorf("Log should hold the current run only, with its start line:\n%s", w.Log())
	}
	eventually(t, "the restarted worker to poll", time.Minute, func() bool { return polling(ctx, s) })

	procs := append(s.Temporal.Processes(), s.Mailpit.Process(), w)
	name := s.DB.Name
	s.Stop()
	stopped = true
	for _, p := range procs {
		if p.Running() {
			t.Errorf("%s still running after Stop", p.Name)
		}
	}
	pg, err := launcher.StartPostgres(ctx, launcher.PostgresOptions{AdminURL: testenv.AdminURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	db, err := pg.CreateDatabase(ctx, "cc_launcher_probe_")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Drop(context.Background())
	var left int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&left); err != nil || left != 0 {
		t.Errorf("database %s left after Stop (%d, %v)", name, left, err)
	}
}

// make dev's way: fixed ports, detached processes recorded in the run
// folder; a second start adopts them instead of starting new ones, and
// StopRecorded ends them. Fixed ports here are free ones chosen up front,
// so the test runs beside a real make dev.
func TestDetachedStackOnFixedPortsIsAdopted(t *testing.T) {
	testenv.ServiceTest(t)
	tl := tools(t)
	var ports [4]int
	for i := range ports {
		p, err := launcher.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	fixed := launcher.Ports{Temporal: ports[0], TemporalUI: ports[1], SMTP: ports[2], MailpitUI: ports[3]}
	dir := t.TempDir()
	t.Cleanup(func() { launcher.StopRecorded(dir) })
	pg, err := launcher.StartPostgres(t.Context(), launcher.PostgresOptions{AdminURL: testenv.AdminURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	db, err := pg.CreateDatabase(t.Context(), "cc_launcher_")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Drop(context.Background())
	bin := filepath.Join(t.TempDir(), "worker")
	if err := launcher.BuildWorker(t.Context(), root(t), bin); err != nil {
		t.Fatal(err)
	}
	opts := launcher.StackOptions{Root: root(t), Dir: dir, Tools: tl, Ports: fixed, DatabaseURL: db.URL,
		WorkerBin: bin, Detach: true, DynamicConfigFile: filepath.Join(root(t), launcher.DevDynamicConfig)}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	s, err := launcher.StartStack(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("127.0.0.1:%d", fixed.Temporal); s.TemporalAddress != want {
		t.Errorf("Temporal at %s, want the fixed %s", s.TemporalAddress, want)
	}
	if want := fmt.Sprintf("http://localhost:%d", fixed.TemporalUI); s.TemporalUI != want {
		t.Errorf("Temporal UI at %s, want %s", s.TemporalUI, want)
	}
	if s.SMTPPort != fixed.SMTP || s.MailpitAPI != fmt.Sprintf("http://127.0.0.1:%d", fixed.MailpitUI) {
		t.Errorf("Mailpit on %d/%s, want %d/%d", s.SMTPPort, s.MailpitAPI, fixed.SMTP, fixed.MailpitUI)
	}
	pids := map[string]int{}
	for _, name := range launcher.Services(launcher.KindDev, 1) {
		if pids[name] = launcher.RecordedPid(dir, name); pids[name] == 0 {
			t.Fatalf("%s not recorded in %s", name, dir)
		}
	}
	s.Stop() // detached: only our connections close
	for name, pid := range pids {
		if launcher.RecordedPid(dir, name) != pid {
			t.Fatalf("%s stopped by Stop of a detached stack", name)
		}
	}

	again, err := launcher.StartStack(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	again.Stop()
	if again.Temporal != nil || again.Mailpit != nil || again.Worker != nil {
		t.Error("second start of a detached stack started services instead of adopting them")
	}
	for name, pid := range pids {
		if got := launcher.RecordedPid(dir, name); got != pid {
			t.Errorf("%s: pid %d after the second start, want the first's %d", name, got, pid)
		}
	}
	if got := launcher.StopRecorded(dir); len(got) != 3 {
		t.Errorf("StopRecorded stopped %v, want every service", got)
	}
	for name := range pids {
		if launcher.RecordedPid(dir, name) != 0 {
			t.Errorf("%s still running after StopRecorded", name)
		}
	}
	if launcher.PortOpen(fixed.Temporal) || launcher.PortOpen(fixed.SMTP) {
		t.Error("a fixed port still answers after StopRecorded")
	}
}

// Mailpit with a database file keeps its mail across a restart (the fault
// run stops it mid-delivery); the Temporal dev server with a state file
// keeps its workflows across one.
func TestRestartsKeepState(t *testing.T) {
	tl, dir, ctx := begin(t, 3*time.Minute)
	m, err := launcher.StartMailpit(ctx, launcher.MailpitOptions{Bin: tl.Mailpit(),
		Database: filepath.Join(dir, "mailpit.db"), LogPath: filepath.Join(dir, "mailpit.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Kill)
	msg := "From: a@callcycle.test\r\nTo: b@example.org\r\nSubject: kept\r\n\r\nbody\r\n"
	if err := smtp.SendMail(fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), nil, "a@callcycle.test", []string{"b@example.org"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mail to arrive", 10*time.Second, func() bool { n, _ := m.Total(ctx); return n == 1 })
	m.Stop()
	if _, err := m.Total(ctx); err == nil {
		t.Fatal("mailpit API answers after Stop")
	}
	if err := m.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := m.Total(ctx); err != nil || n != 1 {
		t.Fatalf("after restart mailpit holds %d messages (%v), want the 1 sent before", n, err)
	}

	srv, err := launcher.StartTemporal(ctx, launcher.TemporalOptions{Bin: tl.Temporal(), UIPort: -1,
		StateFile: filepath.Join(dir, "temporal.db"), SQLitePragmas: []string{"journal_mode=wal"},
		LogPath: filepath.Join(dir, "temporal.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if srv.Namespace() != "default" {
		t.Errorf("namespace %q, want default", srv.Namespace())
	}
	// No worker polls "probe": the workflow stays open, in the state file.
	run, err := srv.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "probe", TaskQueue: "probe"}, "Probe")
	if err != nil {
		t.Fatal(err)
	}
	port := srv.FrontendHostPort()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := srv.Client().DescribeWorkflowExecution(ctx, "probe", run.GetRunID())
	if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("workflow after restart: %v %v, want it running", d.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	if srv.FrontendHostPort() != port {
		t.Errorf("restarted on %s, want the same %s", srv.FrontendHostPort(), port)
	}
	if _, err := os.Stat(filepath.Join(dir, "temporal.db")); err != nil {
		t.Errorf("state file: %v", err)
	}
}
