package officer

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

// DemoWorld is where `starter demo 2024` replays the 2024 report: a
// Temporal namespace and a PostgreSQL database of its own on the stack's
// servers, worked by a worker inside the demo process.
//
// Why a world of its own rather than the stack's namespace and database:
// the replay needs a government in caretaker mode since 2024-06-10 and
// calls AP-SUD-2024 and AP-CMS-2024 that can only be launched once, so on
// a stack that is used (government installed, an earlier replay) it could
// not run again; and its grants run on compressed time, so any of them
// left behind by a stopped replay and picked up by the stack's worker
// mails a reminder every second. Here each run starts from an empty world
// (the previous run's workflows deleted, its database made anew), and
// only the demo process polls the namespace: when it stops, however it
// stops (error, Ctrl-C, kill -9), nothing of the demo runs any more. The
// stack's own namespace, government, calls and database are never
// touched. Unique ids per run would still share the stack's government
// and worker; terminating on exit alone misses a killed process.
type DemoWorld struct {
	Temporal    config.Temporal // the stack's server; Namespace is the stack's and is not used
	DatabaseURL string          // the stack's database; the demo's sits beside it on the same server
	SMTP        mailer.Config   // the stack's mail relay: the demo's mails are meant to be seen
	OutputDir   string          // the demo's worker writes under OutputDir/<Namespace>
	Namespace   string          // the demo's own namespace, created if missing
	Database    string          // the demo's own database, made anew at every run
	Log         *slog.Logger
}

// DemoRetention is how long the demo's namespace keeps closed workflows:
// long enough to look at a run in the UI, short enough not to pile up.
const DemoRetention = 24 * time.Hour

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
var namespaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$`)

// check refuses a world that would be the stack's own: the demo drops
// its database and terminates its workflows.
func (w DemoWorld) check() (demoURL string, err error) {
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

// DemoLockKey names the advisory lock a demo holds on the stack's
// database while it runs in database db.
func DemoLockKey(db string) string { return "callcycle demo world " + db }

// RunDemo2024 prepares the demo's world and runs Demo2024 in it. Out,
// Progress and By of e are used; its Temporal client and pool are not
// (they are the stack's).
func (e Env) RunDemo2024(ctx context.Context, w DemoWorld, dir, out string) (res workflows.AnnualReportResult, err error) {
	demoURL, err := w.check()
	if err != nil {
		return res, err
	}
	log := w.Log
	if log == nil {
		log = app.Logger("error")
	}
	step := func(format string, args ...any) { fmt.Fprintf(e.Out, "== "+format+"\n", args...) }

	// One demo per world at a time: a second one would delete the first
	// one's workflows and drop its database under it. The lock is the
	// session's: it goes with the connection when the process dies.
	admin, err := pgx.Connect(ctx, w.DatabaseURL)
	if err != nil {
		return res, fmt.Errorf("connect to PostgreSQL (DATABASE_URL): %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var locked bool
	if err := admin.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, DemoLockKey(w.Database)).Scan(&locked); err != nil {
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
	step("demo world: Temporal namespace %s, database %s (the stack's own are not touched)", w.Namespace, w.Database)
	if err := ensureDemoNamespace(ctx, c, w.Namespace); err != nil {
		return res, err
	}
	// Before any worker polls the namespace again: a previous run's grants
	// must not get the chance to mail. Deleted, not only terminated: the
	// calls' and grants' workflow ids can be used once per namespace.
	n, err := clearNamespace(ctx, c, w.Namespace)
	if err != nil {
		return res, fmt.Errorf("clear namespace %s: %w", w.Namespace, err)
	}
	if n > 0 {
		fmt.Fprintf(e.Out, "   %d workflows of an earlier demo run deleted\n", n)
	}
	for _, q := range []string{
		`DROP DATABASE IF EXISTS ` + pgx.Identifier{w.Database}.Sanitize() + ` WITH (FORCE)`,
		`CREATE DATABASE ` + pgx.Identifier{w.Database}.Sanitize(),
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			return res, fmt.Errorf("make the demo's database %s anew beside DATABASE_URL's (the role needs CREATEDB): %w", w.Database, err)
		}
	}
	pool, err := app.OpenDB(ctx, demoURL)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	if _, err := migrations.Up(ctx, pool); err != nil {
		return res, err
	}
	m, err := mailer.New(w.SMTP)
	if err != nil {
		return res, err
	}
	outDir := filepath.Join(w.OutputDir, w.Namespace)
	if err := os.MkdirAll(outDir, 0o750); err != nil {
		return res, fmt.Errorf("OUTPUT_DIR: %w", err)
	}
	wk := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(wk)
	wk.RegisterActivity(&activities.Activities{DB: pool, Mailer: m, Temporal: c, OutputDir: outDir, Log: log})
	if err := wk.Start(); err != nil {
		return res, err
	}
	stopped := false
	stopWorker := func() {
		if !stopped {
			stopped = true
			wk.Stop()
		}
	}
	defer stopWorker()
	// A run that fails or is interrupted leaves its workflows terminated
	// rather than waiting for a worker (their histories stay in the UI);
	// a killed one leaves them waiting, inert, until the next run.
	defer func() {
		if err == nil {
			return
		}
		stopWorker()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if n, terr := terminateRunning(cctx, c, w.Namespace, "the demo stopped: "+err.Error()); terr != nil {
			fmt.Fprintf(e.Out, "demo stopped; its workflows in namespace %s could not all be terminated (%v): the next run will\n", w.Namespace, terr)
		} else {
			fmt.Fprintf(e.Out, "demo stopped; its %d running workflows in namespace %s terminated\n", n, w.Namespace)
		}
	}()
	if err = EnsureGovernment(ctx, c); err != nil {
		return res, err
	}
	demo := e
	demo.Temporal, demo.DB = c, pool
	res, err = demo.Demo2024(ctx, dir, out)
	if err != nil {
		return res, err
	}
	// The last notices (grants closed...) may still be in the outbox:
	// once this process ends nothing sends them.
	if err = drainOutbox(ctx, pool, e.Out); err != nil {
		return res, err
	}
	fmt.Fprintf(e.Out, "the demo's workflows are in Temporal namespace %s (local stack: http://localhost:8233/namespaces/%s/workflows); run it again at will\n",
		w.Namespace, url.PathEscape(w.Namespace))
	return res, nil
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
			WorkflowExecutionRetentionPeriod: durationpb.New(DemoRetention),
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

// terminateRunning terminates every running workflow of the namespace
// and returns how many it terminated. It lists until the list is empty:
// visibility may show a workflow as running a moment after it closed.
func terminateRunning(ctx context.Context, c client.Client, ns, reason string) (int, error) {
	done := map[string]bool{}
	for {
		resp, err := c.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: ns, PageSize: 1000, Query: `ExecutionStatus = "Running"`,
		})
		if err != nil {
			return len(done), err
		}
		if len(resp.Executions) == 0 {
			return len(done), nil
		}
		fresh := 0
		for _, x := range resp.Executions {
			id := x.Execution.WorkflowId + "/" + x.Execution.RunId
			if done[id] {
				continue
			}
			err := c.TerminateWorkflow(ctx, x.Execution.WorkflowId, x.Execution.RunId, reason)
			var nf *serviceerror.NotFound
			if err != nil && !errors.As(err, &nf) {
				return len(done), fmt.Errorf("terminate %s: %w", x.Execution.WorkflowId, err)
			}
			done[id] = true
			fresh++
		}
		if fresh == 0 { // only ones already terminated, still listed
			select {
			case <-ctx.Done():
				return len(done), ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
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
