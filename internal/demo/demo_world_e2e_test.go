package demo_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/callspec"
	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/internal/workerapp/workerapptest"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// TestDemo2024OnAUsedStack runs `starter demo 2024` (the built binary,
// configured from the environment as `make demo-2024` runs it) on a stack
// that is used: its government was installed after the 2024 caretaker
// period and a call of its own runs. A second demo beside a running one
// is refused; the demo is killed halfway, then run to the end twice in a
// row (TestDemo2024InterruptedResumes stops one by Ctrl-C and resumes it). Each complete run must reproduce the
// report's figures; a killed demo must leave nothing that mails; the
// stack's own namespace and database must be as they were.
func TestDemo2024OnAUsedStack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, liveMails := startOnUsedStack(t)
	live, dc := d.live, d.demo

	// 0. While another demo runs in the same world, a second one is
	// refused before it touches anything.
	holder, err := pgx.Connect(ctx, live.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 0))`, demo.LockKey(d.db)); err != nil {
		t.Fatal(err)
	}
	out, err := d.run(filepath.Join(d.work, "refused.xlsx"))
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, "another demo is running") {
		t.Fatalf("demo beside a running one: %v\n%s", err, out)
	}
	holder.Close(ctx)

	// 2. kill -9 at the same point: nothing could clean up. Its grants'
	// reminders come due on compressed time, and no worker takes them: the
	// only worker of the demo's namespace died with it.
	out, err = d.runUntilGrants(os.Kill)
	if err == nil {
		t.Fatalf("killed demo exited cleanly\n%s", out)
	}
	killed := time.Now()
	left := d.running()
	if len(left) == 0 {
		t.Fatalf("the killed demo left nothing running (the test kills it too late)\n%s", out)
	}
	var due string
	waitFor(t, "a leftover grant's reminder timer to fire after the kill", func() bool {
		for _, id := range left {
			if strings.HasPrefix(id, strings.TrimSuffix(workflows.GrantWorkflowID("AP-X"), "AP-X")) {
				if firedAfter(t, dc, id, killed) {
					due = id
					return true
				}
			}
		}
		return false
	})
	if h := d.eventsAfterTimer(due, killed); len(h) > 0 {
		t.Fatalf("%s was worked on after the demo was killed: %v", due, h)
	}
	afterKill := len(live.sink.Messages(t))

	// 3. and 4. Two full runs in a row: each clears what came before and
	// reproduces the report; the mails that arrive are exactly its own.
	for run := 1; run <= 2; run++ {
		wb := filepath.Join(d.work, fmt.Sprintf("annual-report-2024-%d.xlsx", run))
		out, err := d.run(wb)
		if err != nil {
			t.Fatalf("full run %d: %v\n%s", run, err, out)
		}
		t.Logf("full run %d:\n%s", run, out)
		if run == 1 && !strings.Contains(out, "of an earlier demo run deleted") {
			t.Errorf("run after the killed demo did not terminate its leftovers:\n%s", out)
		}
		for _, want := range []string{"881.242 €", "625.346 €", "200.000 €"} {
			if !strings.Contains(out, want) {
				t.Errorf("full run %d: %s missing from the report printed", run, want)
			}
		}
		checkAnnualWorkbook(t, wb)
		sent, unsent := d.demoMails()
		if unsent != 0 {
			t.Errorf("full run %d ended with %d mails unsent", run, unsent)
		}
		// Mailpit holds the stack's mails, what the stopped demos sent
		// before they stopped, and this run's: nothing else arrived.
		if got := len(live.sink.Messages(t)); got != afterKill+sent {
			t.Errorf("full run %d: %d mails in the sink, want %d (before) + %d (this run's outbox)", run, got, afterKill, sent)
		}
		afterKill += sent
		if run == 1 {
			d.checkWhoDidWhat()
		}
	}

	d.checkStackUntouched(liveMails)
}

// TestDemo2024InterruptedResumes stops the demo by Ctrl-C while the
// grants wait for their signature: the demo says where it stopped, and
// resuming from there completes the report. (Apart from the test above,
// on a used stack of its own, so that the two run side by side.)
func TestDemo2024InterruptedResumes(t *testing.T) {
	t.Parallel()
	d, liveMails := startOnUsedStack(t)
	// 1. Ctrl-C while the grants wait for their signature: the demo says
	// where it stopped, and resuming from there completes the report.
	out, err := d.runUntilGrants(os.Interrupt)
	m := resumeHint.FindStringSubmatch(out)
	if err == nil || m == nil {
		t.Fatalf("interrupted demo: %v, no resume hint\n%s", err, out)
	}
	resumed := filepath.Join(d.work, "resumed.xlsx")
	if out, err = d.run(resumed, "--from", m[1]); err != nil {
		t.Fatalf("demo resumed --from %s: %v\n%s", m[1], err, out)
	}
	if !strings.Contains(out, "881.242 €") || strings.Contains(out, "[1/") {
		t.Errorf("demo resumed --from %s: no total of 881.242 €, or it began again from the first step:\n%s", m[1], out)
	}
	checkAnnualWorkbook(t, resumed)
	// The government and the budget years are entities that run for good;
	// every call and grant has ended.
	grantPrefix := strings.TrimSuffix(workflows.GrantWorkflowID("AP-X"), "AP-X")
	for _, id := range d.running() {
		if strings.HasPrefix(id, workflows.CallWorkflowID("")) || strings.HasPrefix(id, grantPrefix) {
			t.Errorf("the resumed demo left %s running", id)
		}
	}

	d.checkStackUntouched(liveMails)
}

// startOnUsedStack makes the used stack both tests run the demo on and
// returns the demo's runner and the stack's own mail count.
func startOnUsedStack(t *testing.T) (*demoRun, int) {
	t.Helper()
	ctx := context.Background()
	live := newAddressedStack(t)
	// The stack is used: caretaker mode ended on 2024-12-01 (the replay
	// records caretaker mode since 2024-06-10, before that installation),
	// and a call of its own is open.
	if _, err := live.svc.GovernmentCaretaker(ctx, officer, operations.GovernmentCaretakerInput{Since: brussels(2024, 6, 10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := live.svc.GovernmentInstalled(ctx, officer, operations.GovernmentInstalledInput{On: brussels(2024, 12, 1)}); err != nil {
		t.Fatal(err)
	}
	call, err := os.ReadFile(example("call-ap-sud-2030.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.svc.Launch(ctx, officer, operations.LaunchInput{Call: call, Source: "call-ap-sud-2030.yaml"}); err != nil {
		t.Fatal(err)
	}
	// Its launch mails out first, so that every later mail is the demo's.
	waitFor(t, "the stack's own mails delivered", func() bool {
		return live.count(t, `SELECT count(*) FROM mail_log WHERE call_id = 'AP-SUD-2030'`) > 0 &&
			live.count(t, `SELECT count(*) FROM mail_log WHERE status <> 'sent'`) == 0 &&
			len(live.sink.Messages(t)) == live.count(t, `SELECT count(*) FROM mail_log`)
	})
	liveMails := len(live.sink.Messages(t))

	bin := filepath.Join(t.TempDir(), "starter")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/callcycle/callcycle/starter").CombinedOutput(); err != nil {
		t.Fatalf("build starter: %v\n%s", err, out)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	d := &demoRun{t: t, bin: bin, live: live, ns: "callcycle-demo-test", db: "cc_test_demo_" + hex.EncodeToString(b[:]), work: t.TempDir()}
	t.Cleanup(d.dropDB)
	dc, err := client.Dial(client.Options{HostPort: live.address, Namespace: d.ns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	d.demo = dc

	return d, liveMails
}

// checkStackUntouched: the stack's own world is as it was.
func (d *demoRun) checkStackUntouched(liveMails int) {
	t, live, ctx := d.t, d.live, context.Background()
	g, err := live.svc.GovernmentStatus(ctx, officer, operations.GovernmentStatusInput{})
	if err != nil || g.Status.Caretaker || g.Status.Installed == nil || g.Status.Installed.Format("2006-01-02") != "2024-12-01" {
		t.Errorf("the stack's government changed: %+v %v", g.Status, err)
	}
	st, err := live.svc.Status(ctx, officer, operations.StatusInput{CallID: "AP-SUD-2030"})
	if err != nil || st.Stage != workflows.StageOpen {
		t.Errorf("the stack's call AP-SUD-2030: %q %v", st.Stage, err)
	}
	if _, err := live.tc.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID("AP-SUD-2024"), ""); err == nil {
		t.Error("the demo's call AP-SUD-2024 is in the stack's namespace")
	}
	if n := live.count(t, `SELECT count(*) FROM calls WHERE call_id LIKE '%-2024'`); n != 0 {
		t.Errorf("%d demo calls in the stack's database", n)
	}
	if n := live.count(t, `SELECT count(*) FROM mail_log`); n != liveMails {
		t.Errorf("the stack's outbox went from %d to %d rows", liveMails, n)
	}
}

// addressedStack is newStack with the server's address, for a process
// of its own.
type addressedStack struct {
	*stack
	address, dbURL string
}

func newAddressedStack(t *testing.T) *addressedStack {
	t.Helper()
	sys := workerapptest.Start(t, workerapptest.Options{Government: true})
	return &addressedStack{
		stack:   stackOn(sys.Temporal, sys.DB, sys.Mailpit, sys.OutputDir),
		address: sys.Address, dbURL: sys.DatabaseURL,
	}
}

type demoRun struct {
	t      *testing.T
	bin    string
	live   *addressedStack
	demo   client.Client // the demo's namespace
	ns, db string
	work   string
}

func (d *demoRun) command(wb string, extra ...string) *exec.Cmd {
	cmd := exec.Command(d.bin, append([]string{"demo", "2024", "-o", wb, "--data", example("2024"), "--namespace", d.ns, "--database", d.db}, extra...)...)
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+d.live.address, "TEMPORAL_NAMESPACE=default", "DATABASE_URL="+d.live.dbURL,
		"SMTP_HOST=127.0.0.1", fmt.Sprintf("SMTP_PORT=%d", d.live.sink.SMTPPort), "SMTP_TLS=none", "SMTP_USER=", "SMTP_PASSWORD=",
		"SMTP_FROM=callcycle <noreply@callcycle.test>", "OUTPUT_DIR="+filepath.Join(d.work, "out"), "CALLCYCLE_OFFICER=demo-officer")
	return cmd
}

// resumeHint is how a stopped demo says where to resume it.
var resumeHint = regexp.MustCompile("resume with `starter demo 2024 --from ([a-z-]+)`")

func (d *demoRun) run(wb string, extra ...string) (string, error) {
	out, err := d.command(wb, extra...).CombinedOutput()
	return string(out), err
}

// runUntilGrants starts the demo and sends it sig once its grants remind
// their applicants to sign, on compressed time, before the demo signs
// them: the point where the reported demo stopped. AP-SUD-2024-0010's
// grant is the last one the demo signs.
func (d *demoRun) runUntilGrants(sig os.Signal) (string, error) {
	t := d.t
	cmd := d.command(filepath.Join(d.work, "stopped.xlsx"))
	var mu sync.Mutex
	var buf bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			mu.Lock()
			buf.WriteString(sc.Text() + "\n")
			mu.Unlock()
		}
	}()
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	output := func() string { <-copied; mu.Lock(); defer mu.Unlock(); return buf.String() }
	id := workflows.GrantWorkflowID("AP-SUD-2024-0010")
	for {
		select {
		case err := <-exited:
			t.Fatalf("the demo ended before its grants ran: %v\n%s", err, output())
		case <-time.After(100 * time.Millisecond):
		}
		x, err := d.demo.DescribeWorkflowExecution(context.Background(), id, "")
		// Reminding already, and idle until its next reminder's timer: the
		// grants remind in step, so this is when their timers are set.
		if err == nil && x.WorkflowExecutionInfo.Status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING &&
			x.WorkflowExecutionInfo.StartTime.AsTime().After(started) && firedAfter(t, d.demo, id, started) &&
			lastEvent(t, d.demo, id) == enums.EVENT_TYPE_TIMER_STARTED {
			break
		}
		mu.Lock()
		signed := strings.Contains(buf.String(), "grants signed")
		mu.Unlock()
		if signed { // too late: the grants no longer wait
			_ = cmd.Process.Kill()
			t.Fatalf("the demo reached its grants step before %s was seen running\n%s", id, output())
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	return output(), err
}

// running lists the workflows of the demo's namespace still running.
func (d *demoRun) running() []string {
	d.t.Helper()
	var ids []string
	var token []byte
	for {
		resp, err := d.demo.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: d.ns, Query: `ExecutionStatus = "Running"`, NextPageToken: token})
		if err != nil {
			d.t.Fatal(err)
		}
		for _, x := range resp.Executions {
			ids = append(ids, x.Execution.WorkflowId)
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return ids
		}
	}
}

// firedAfter says whether a timer of the workflow fired after t.
func firedAfter(tb testing.TB, c client.Client, id string, t time.Time) bool {
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			tb.Fatal(err)
		}
		if ev.EventType == enums.EVENT_TYPE_TIMER_FIRED && ev.EventTime.AsTime().After(t) {
			return true
		}
	}
	return false
}

// lastEvent is the type of the workflow's latest history event.
func lastEvent(tb testing.TB, c client.Client, id string) enums.EventType {
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	last := enums.EVENT_TYPE_UNSPECIFIED
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			tb.Fatal(err)
		}
		last = ev.EventType
	}
	return last
}

// eventsAfterTimer lists what a worker did to the workflow after its
// first timer that fired after t: a workflow task completed, an activity
// started.
func (d *demoRun) eventsAfterTimer(id string, t time.Time) []string {
	it := d.demo.GetWorkflowHistory(context.Background(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	fired := false
	var worked []string
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			d.t.Fatal(err)
		}
		switch {
		case ev.EventType == enums.EVENT_TYPE_TIMER_FIRED && ev.EventTime.AsTime().After(t):
			fired = true
		case fired && (ev.EventType == enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED || ev.EventType == enums.EVENT_TYPE_ACTIVITY_TASK_STARTED):
			worked = append(worked, fmt.Sprintf("%d %s", ev.EventId, ev.EventType))
		}
	}
	return worked
}

// demoDB connects to the demo's own database.
func (d *demoRun) demoDB() *pgx.Conn {
	u, _ := url.Parse(d.live.dbURL)
	u.Path = "/" + d.db
	conn, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		d.t.Fatal(err)
	}
	return conn
}

// demoMails counts the demo database's outbox: sent, and not sent.
func (d *demoRun) demoMails() (sent, unsent int) {
	conn := d.demoDB()
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status <> 'sent') FROM mail_log`).Scan(&sent, &unsent); err != nil {
		d.t.Fatal(err)
	}
	return sent, unsent
}

// checkWhoDidWhat reads the demo's audit log: the office's people did
// each step, every decision proposed by the officer and approved by a
// second one, every payment confirmed by finance and approved by a
// second finance person; nothing done by nobody.
func (d *demoRun) checkWhoDidWhat() {
	conn := d.demoDB()
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT actor, role, action, count(*) FROM audit_log WHERE result = 'ok' GROUP BY 1, 2, 3`)
	if err != nil {
		d.t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var actor, role, action string
		var n int
		if err := rows.Scan(&actor, &role, &action, &n); err != nil {
			d.t.Fatal(err)
		}
		got[actor+"/"+role+"/"+action] = n
		if actor == "" || role == "" {
			d.t.Errorf("audit rows with no one named: %q %q %s ×%d", actor, role, action, n)
		}
	}
	for key, want := range map[string]int{
		"Awa Diallo/officer/call.decide.propose": 2, "Pieter Janssens/officer/call.decide.approve": 2,
		"Fatou Ndiaye/finance/grant.paid.propose": 42, "Marc Dubois/finance/grant.paid.approve": 42,
		"Awa Diallo/officer/grant.sign": 21, "Awa Diallo/officer/call.launch": 2,
	} {
		if got[key] != want {
			d.t.Errorf("audit: %s ×%d, want %d (all: %v)", key, got[key], want, got)
		}
	}
}

func (d *demoRun) dropDB() {
	admin, err := pgxpool.New(context.Background(), testenv.AdminURL())
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+d.db+" WITH (FORCE)")
}

// brussels is midnight of a day in Brussels.
func brussels(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, callspec.Brussels)
}

// waitFor polls cond; the bound only keeps a broken run from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
