package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/callcycle/callcycle/activities"
	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/config"
	"github.com/callcycle/callcycle/internal/mailer"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/workerapp"
	"github.com/callcycle/callcycle/migrations"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/types/known/durationpb"
)

// World is where `starter demo 2024` replays the 2024 report: a
// Temporal namespace and a PostgreSQL database of its own on the stack's
// servers, worked by a worker inside the demo process.
//
// Why a world of its own rather than the stack's namespace and database:
// the replay needs a government in caretaker mode since 2024-06-10 and
// calls AP-SUD-2024 and AP-CMS-2024 that can only be launched once, so on
// a stack that is used (government installed, an earlier replay) it could
// not run again; and its grants run on compressed time, so any of them
// left behind by a stopped replay and picked up by the stack's worker
// mails a reminder every second. Here a run from the start begins with an
// empty world (the previous run's workflows deleted, its database made
// anew), a resumed run (--from) with the world a stopped run left; and
// only the demo process polls the namespace: when it stops, however it
// stops (error, Ctrl-C, kill -9), nothing of the demo runs any more. The
// stack's own namespace, government, calls and database are never
// touched. Unique ids per run would still share the stack's government
// and worker; terminating on exit alone misses a killed process.
type World struct {
	Temporal    config.Temporal // the stack's server; Namespace is the stack's and is not used
	DatabaseURL string          // the stack's database; the demo's sits beside it on the same server
	SMTP        mailer.Config   // the stack's mail relay: the demo's mails are meant to be seen
	OutputDir   string          // the demo's worker writes under OutputDir/<Namespace>
	Namespace   string          // the demo's own namespace, created if missing
	Database    string          // the demo's own database, made anew at every run
	Data        string          // the 2024 data: examples/2024
	Log         *slog.Logger
	Out         io.Writer // the steps, and the annual report's figures
	By          string    // who acts, as recorded in the audit (when People is empty)
	// People, when set, act instead of By, four-eyes included (Office:
	// the demo office's people, as `starter demo` runs it).
	People Env
	// Runner and BeforeStep are passed to the Replay (nil: the defaults).
	Runner     Runner
	BeforeStep func(context.Context, Step) error
}

// Retention is how long the demo's namespace keeps closed workflows:
// long enough to look at a run in the UI, short enough not to pile up.
const Retention = 24 * time.Hour

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
var namespaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$`)

// check refuses a world that would be the stack's own: the demo drops
// its database and terminates its workflows.
func (w World) check() (demoURL string, err error) {
	if !namespaceName.MatchString(w.Namespace) {
		return "", usage("--namespace: want a Temporal namespace name such as callcycle-demo, got %q", w.Namespace)
	}
	if w.Namespace == w.Temporal.Namespace {
		return "", usage("--namespace %s is the stack's own namespace (TEMPORAL_NAMESPACE): the demo terminates what runs in its namespace, give it another one", w.Namespace)
	}
	if !identifier.MatchString(w.Database) {
		return "", usage("--database: want a PostgreSQL database name such as callcycle_demo (lower-case letters, digits, _), got %q", w.Database)
	}
	u, err := url.Parse(w.DatabaseURL)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	if strings.TrimPrefix(u.Path, "/") == w.Database {
		return "", usage("--database %s is the stack's own database (DATABASE_URL): the demo drops its database at every run, give it another one", w.Database)
	}
	u.Path = "/" + w.Database
	return u.String(), nil
}

// LockKey names the advisory lock a demo holds on the stack's
// database while it runs in database db.
func LockKey(db string) string { return "callcycle demo world " + db }

// Run prepares the demo's world and runs the replay in it from the step
// named from, writing the annual report to report. From the start (from
// ""), the world is made anew: what an earlier run left in the namespace
// is deleted and the database is made again. From a later step, the
// world is the one an earlier run left, and the replay goes on in it.
func (w World) Run(ctx context.Context, from, report string) (res workflows.AnnualReportResult, err error) {
	demoURL, err := w.check()
	if err != nil {
		return res, err
	}
	if _, err := StepsFrom(from); err != nil {
		return res, err
	}
	log := w.Log
	if log == nil {
		log = app.Logger("error")
	}
	say := func(format string, args ...any) { fmt.Fprintf(w.Out, format+"\n", args...) }

	// One demo per world at a time: a second one would delete the first
	// one's workflows and drop its database under it. The lock is the
	// session's: it goes with the connection when the process dies.
	admin, err := pgx.Connect(ctx, w.DatabaseURL)
	if err != nil {
		return res, fmt.Errorf("connect to PostgreSQL (DATABASE_URL): %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var locked bool
	if err := admin.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, LockKey(w.Database)).Scan(&locked); err != nil {
		return res, err
	}
	if !locked {
		return res, usage("another demo is running in database %s; wait for it to end or stop it", w.Database)
	}

	tc := w.Temporal
	tc.Namespace = w.Namespace
	c, err := app.Dial(tc, log)
	if err != nil {
		return res, err
	}
	defer c.Close()
	say("== demo world: Temporal namespace %s, database %s (the stack's own are not touched)", w.Namespace, w.Database)
	if err := ensureDemoNamespace(ctx, c, w.Namespace); err != nil {
		return res, err
	}
	if from == "" {
		if err := w.makeAnew(ctx, c, admin); err != nil {
			return res, err
		}
	} else if err := w.resumable(ctx, c, admin); err != nil {
		return res, err
	}
	pool, err := app.OpenDB(ctx, demoURL)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	if _, err := migrations.Up(ctx, pool); err != nil {
		return res, err
	}
	wk, err := w.startWorker(c, pool, log)
	if err != nil {
		return res, err
	}
	// However the replay ends, the worker stops with it: nothing of the
	// demo runs once this process ends. A replay that stopped leaves its
	// workflows as they are, waiting for a worker, so that it can be
	// resumed from the step where it stopped.
	defer wk.Stop()
	if err = bootstrap(ctx, c); err != nil {
		return res, err
	}
	people := w.People
	if people.By == "" {
		people = Env{By: w.By}
	}
	r, err := newInWorld(c, pool, w.Out, people, w.Data)
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(r.Work)
	r.Runner, r.BeforeStep = w.Runner, w.BeforeStep
	res, err = r.Run(ctx, from, report)
	var stopped *StoppedError
	if errors.As(err, &stopped) {
		say("demo stopped at step %s: %v\nits workflows wait, inert, in namespace %s: resume with `starter demo 2024 --from %s`, or run it again from the start",
			stopped.Step, stopped.Err, w.Namespace, stopped.Step)
	}
	if err != nil {
		return res, err
	}
	// The last notices (grants closed...) may still be in the outbox:
	// once this process ends nothing sends them.
	if err = drainOutbox(ctx, pool, w.Out); err != nil {
		return res, err
	}
	say("the demo's workflows are in Temporal namespace %s (local stack: http://localhost:8233/namespaces/%s/workflows); run it again at will",
		w.Namespace, url.PathEscape(w.Namespace))
	return res, nil
}

// startWorker starts the demo's own worker on its namespace, registered
// as the worker binary's is (workerapp.New).
func (w World) startWorker(c client.Client, pool *pgxpool.Pool, log *slog.Logger) (worker.Worker, error) {
	m, err := mailer.New(w.SMTP)
	if err != nil {
		return nil, err
	}
	outDir := filepath.Join(w.OutputDir, w.Namespace)
	if err := os.MkdirAll(outDir, 0o750); err != nil {
		return nil, fmt.Errorf("OUTPUT_DIR: %w", err)
	}
	// Stop waits for running activities: a mail delivery then hands its
	// unsent mails back at once (activities.DeliverMail), instead of leaving
	// them claimed for a lease a resumed replay would have to wait out.
	acts := &activities.Activities{DB: pool, Mailer: m, Temporal: c, OutputDir: outDir, Log: log}
	wk := workerapp.New(c, acts, worker.Options{WorkerStopTimeout: 15 * time.Second})
	return wk, wk.Start()
}

// bootstrap makes what the replay relies on in its namespace: the
// government entity, as workerapp.Bootstrap makes it. Not the worker's
// schedules (annual report, intake purge): they would keep firing in
// the demo's namespace once the demo ended, starting workflows no worker
// takes (and a run from the start deletes workflows, not schedules); the
// replay writes its annual report itself, and intake rows a stopped
// import left go with the database, made anew at a run from the start.
func bootstrap(ctx context.Context, c client.Client) error {
	if err := operations.EnsureGovernment(ctx, c); err != nil {
		return fmt.Errorf("start the government workflow: %w", err)
	}
	return nil
}

// makeAnew empties the namespace and makes the database again, before
// any worker polls the namespace: a previous run's grants must not get
// the chance to mail. Deleted, not only terminated: the calls' and
// grants' workflow ids can be used once per namespace.
func (w World) makeAnew(ctx context.Context, c client.Client, admin *pgx.Conn) error {
	n, err := clearNamespace(ctx, c, w.Namespace)
	if err != nil {
		return fmt.Errorf("clear namespace %s: %w", w.Namespace, err)
	}
	if n > 0 {
		fmt.Fprintf(w.Out, "   %d workflows of an earlier demo run deleted\n", n)
	}
	err = app.DropDatabase(ctx, admin, w.Database)
	if err == nil {
		_, err = admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{w.Database}.Sanitize())
	}
	if err != nil {
		return fmt.Errorf("make the demo's database %s anew beside DATABASE_URL's (the role needs CREATEDB): %w", w.Database, err)
	}
	return nil
}

// resumable refuses to resume where no earlier run left anything.
func (w World) resumable(ctx context.Context, c client.Client, admin *pgx.Conn) error {
	var db bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, w.Database).Scan(&db); err != nil {
		return err
	}
	_, err := c.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID(calls[0].id), "")
	var nf *serviceerror.NotFound
	if !db || errors.As(err, &nf) {
		return usage("--from: no earlier demo in namespace %s and database %s to resume; run `starter demo 2024` from the start", w.Namespace, w.Database)
	}
	return err
}

// ensureDemoNamespace registers the namespace and the workflows' search
// attributes in it if missing, then waits until the server serves both
// (a new namespace reaches the frontend's cache after a moment).
func ensureDemoNamespace(ctx context.Context, c client.Client, ns string) error {
	svc := c.WorkflowService()
	_, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	var notFound *serviceerror.NamespaceNotFound
	if errors.As(err, &notFound) {
		_, err = svc.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        ns,
			Description:                      "callcycle: `starter demo 2024`, the 2024 report replayed; cleared at every run",
			WorkflowExecutionRetentionPeriod: durationpb.New(Retention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		if errors.As(err, &exists) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("Temporal namespace %s: %w", ns, err)
	}
	added := false
	for attempt := 0; ; attempt++ {
		missing, err := missingSearchAttributes(ctx, c, ns)
		if err == nil && len(missing) == 0 {
			_, err = svc.CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: ns, Query: `CallId = "x"`})
			if err == nil {
				return nil
			}
		}
		if err == nil && !added {
			_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns, SearchAttributes: missing})
			added = err == nil
		}
		if attempt == 150 {
			return fmt.Errorf("Temporal namespace %s is not ready for the demo: %v", ns, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func missingSearchAttributes(ctx context.Context, c client.Client, ns string) (map[string]enums.IndexedValueType, error) {
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		return nil, err
	}
	missing := map[string]enums.IndexedValueType{}
	for _, sa := range workflows.SearchAttributeTypes {
		if _, ok := resp.CustomAttributes[sa.Name]; !ok {
			missing[sa.Name] = enums.IndexedValueType(enums.IndexedValueType_value["INDEXED_VALUE_TYPE_"+strings.ToUpper(sa.Type)])
		}
	}
	return missing, nil
}

// clearNamespace deletes every workflow of the namespace, running ones
// included (deleting terminates them), and returns how many. The list
// comes from visibility, which may still show a workflow a moment after
// its deletion; reuse of an id is only safe once the execution itself is
// gone, so it waits for that too.
func clearNamespace(ctx context.Context, c client.Client, ns string) (int, error) {
	deleted := map[string]string{} // workflow id -> run id
	wait := func() error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
			return nil
		}
	}
	for {
		resp, err := c.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000})
		if err != nil {
			return len(deleted), err
		}
		fresh := 0
		for _, x := range resp.Executions {
			if deleted[x.Execution.WorkflowId] == x.Execution.RunId {
				continue
			}
			_, err := c.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{Namespace: ns, WorkflowExecution: x.Execution})
			var nf *serviceerror.NotFound
			if err != nil && !errors.As(err, &nf) {
				return len(deleted), fmt.Errorf("delete %s: %w", x.Execution.WorkflowId, err)
			}
			deleted[x.Execution.WorkflowId] = x.Execution.RunId
			fresh++
		}
		if len(resp.Executions) == 0 {
			break
		}
		if fresh == 0 { // only ones already deleted, still listed
			if err := wait(); err != nil {
				return len(deleted), err
			}
		}
	}
	for id, run := range deleted {
		for {
			_, err := c.DescribeWorkflowExecution(ctx, id, run)
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				break
			}
			if err := wait(); err != nil {
				return len(deleted), err
			}
		}
	}
	return len(deleted), nil
}

// drainOutbox waits until every mail of the demo left, or says how many
// did not within two minutes (a mail the relay refuses for good is
// marked failed and not waited for).
func drainOutbox(ctx context.Context, pool *pgxpool.Pool, out io.Writer) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var unsent int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM mail_log WHERE status IN ('pending', 'sending')`).Scan(&unsent); err != nil {
			return err
		}
		if unsent == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(out, "warning: %d of the demo's mails are still unsent; they will not be sent\n", unsent)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
