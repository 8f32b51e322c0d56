package launcher_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callcycle/callcycle/internal/app"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/operations"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
)

// Service tests of the cluster kind: Temporal's own server on PostgreSQL.
// Each makes databases of its own (fresh names), so they run side by side.

const clusterCall = `id: AP-CMS-CLUSTER
kind: cms
year: 2030
title: Appel CMS sur le cluster
theme: Citoyenneté mondiale et solidaire
envelope: "50.000 €"
min_grant: "5.000 €"
max_grant: "25.000 €"
regions: [Région de Bruxelles-Capitale]
criteria:
  - {key: pertinence, name: Pertinence, weight: 1, min: 0, max: 10}
deadline: "2030-03-31 23:59"
tranches: [{percent: 100, on: signature}]
report: {delay_days: 60}
committee: {reviewers: [AB]}
officer: {email: officer@cooperation.brussels, language: fr}
committee_secretariat: {email: comite@cooperation.brussels, language: nl}
announce_to: [{email: info@cms.example, language: fr}]
`

// The cluster stack as make cluster starts it, on free ports: two
// workers poll; the namespace has the retention asked for and the
// search attributes; the UI is up and refuses writes; a call runs from
// launch to its end and the government entity answers, through the
// workers; a client given a namespace the server lacks is told so; Stop
// ends every process and drops the databases.
func TestClusterStackRunsACallEndToEnd(t *testing.T) {
	t.Parallel()
	testenv.ServiceTest(t)
	tl := testenv.ClusterTools(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	ui, err := launcher.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	s, err := launcher.StartStack(ctx, launcher.StackOptions{Root: root(t), Dir: t.TempDir(), Tools: tl,
		TemporalKind: launcher.KindCluster, Workers: 2, Ports: launcher.Ports{TemporalUI: ui},
		Postgres: launcher.PostgresOptions{AdminURL: testenv.AdminURL()}, DBPrefix: "cc_cluster_",
		Cluster: launcher.ClusterOptions{Retention: 400 * 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			s.Stop()
		}
	})
	t.Logf("cluster stack up in %s", time.Since(started).Round(time.Millisecond))
	c := s.Temporal.Client()
	if len(s.Workers) != 2 || s.Worker != s.Workers[0] {
		t.Fatalf("%d workers, want 2", len(s.Workers))
	}
	d, err := c.DescribeTaskQueue(ctx, workflows.TaskQueue, enums.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil || len(d.GetPollers()) < 2 {
		t.Fatalf("pollers %v (%v), want both workers", d.GetPollers(), err)
	}
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil || ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() != 400*24*time.Hour {
		t.Errorf("namespace retention %v (%v), want 400d", ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(), err)
	}
	sas, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sa := range workflows.SearchAttributeTypes {
		if got := sas.GetCustomAttributes()[sa.Name]; !strings.EqualFold(got.String(), sa.Type) {
			t.Errorf("search attribute %s is %v, want %s", sa.Name, got, sa.Type)
		}
	}

	// The officer's operations, through the workers on the cluster.
	pool, err := pgxpool.New(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	svc := &operations.Service{Temporal: c, DB: pool}
	by := operations.Actor{Name: "cluster-test"}
	if _, err := svc.GovernmentCaretaker(ctx, by, operations.GovernmentCaretakerInput{Since: time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if st, err := svc.GovernmentStatus(ctx, by, operations.GovernmentStatusInput{}); err != nil || !st.Status.Caretaker {
		t.Fatalf("government status %+v, %v: want caretaker mode", st, err)
	}
	launched, err := svc.Launch(ctx, by, operations.LaunchInput{Call: []byte(clusterCall), Source: "cluster.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the launch announcement in Mailpit", time.Minute, func() bool { n, _ := s.Mailpit.Total(ctx); return n >= 1 })
	if _, err := svc.Cancel(ctx, by, operations.CancelInput{CallID: launched.CallID, Reason: "cluster test"}); err != nil {
		t.Fatal(err)
	}
	if err := c.GetWorkflow(ctx, launched.WorkflowID, "").Get(ctx, nil); err != nil {
		t.Fatalf("call workflow: %v", err)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, launched.WorkflowID, "")
	if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("call %s: %v %v, want completed", launched.WorkflowID, desc.GetWorkflowExecutionInfo().GetStatus(), err)
	}

	info := desc.GetWorkflowExecutionInfo()
	t.Logf("call %s: %d events, %d bytes of history", launched.WorkflowID, info.GetHistoryLength(), info.GetHistorySizeBytes())
	logClusterSize(t, ctx, s.TemporalDatabaseURL)

	checkReadOnlyUI(t, ctx, s.TemporalUI, launched.WorkflowID)
	checkReadOnlyUIPage(t, s.TemporalUI, launched.WorkflowID)

	// A restart of the server keeps its state (PostgreSQL) and ports; the
	// client reconnects by itself and the workers poll again.
	restartAt := time.Now()
	if err := s.Temporal.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("server restarted in %s", time.Since(restartAt).Round(time.Millisecond))
	if d, err := c.DescribeWorkflowExecution(ctx, launched.WorkflowID, ""); err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("call after the restart: %v %v", d.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	if st, err := svc.GovernmentStatus(ctx, by, operations.GovernmentStatusInput{}); err != nil || !st.Status.Caretaker {
		t.Errorf("government after the restart: %+v, %v", st, err)
	}

	// A client given a namespace the server lacks is told which, and the
	// namespace is not created by asking.
	_, err = launcher.DialNamespace(ctx, s.TemporalAddress, "callcycle-nowhere", nil)
	var missing *launcher.NamespaceNotFoundError
	if !errors.As(err, &missing) || missing.Namespace != "callcycle-nowhere" || !strings.Contains(err.Error(), "callcycle-nowhere") {
		t.Errorf("DialNamespace of a missing namespace: %v, want a NamespaceNotFoundError naming it", err)
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "callcycle-nowhere"})
	var nf *serviceerror.NamespaceNotFound
	if !errors.As(err, &nf) {
		t.Errorf("the missing namespace exists after the refusal: %v", err)
	}
	if good, err := launcher.DialNamespace(ctx, s.TemporalAddress, "default", nil); err != nil {
		t.Errorf("DialNamespace(default): %v", err)
	} else {
		good.Close()
	}

	procs := s.Temporal.Processes()
	for _, w := range s.Workers {
		procs = append(procs, w.Process())
	}
	if len(procs) != 4 {
		t.Fatalf("processes %d, want server, UI and two workers", len(procs))
	}
	stopAt := time.Now()
	s.Stop()
	stopped = true
	t.Logf("cluster stack stopped in %s", time.Since(stopAt).Round(time.Millisecond))
	for _, p := range procs {
		if p.Running() {
			t.Errorf("%s still running after Stop", p.Name)
		}
	}
	if launcher.PortOpen(portOf(t, s.TemporalAddress)) {
		t.Errorf("Temporal still answers at %s after Stop", s.TemporalAddress)
	}
	left := databasesLike(t, ctx, "cc_cluster_%")
	if len(left) != 0 {
		t.Errorf("databases left after Stop: %v", left)
	}
}

// logClusterSize logs what the cluster's PostgreSQL holds (for the
// README's retention cost): the database's size and its history rows.
func logClusterSize(t *testing.T, ctx context.Context, dbURL string) {
	t.Helper()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var size, rows, bytes, executions int64
	err = pool.QueryRow(ctx, `SELECT pg_database_size(current_database()),
		(SELECT count(*) FROM history_node), (SELECT coalesce(sum(octet_length(data)), 0) FROM history_node),
		(SELECT count(*) FROM executions)`).Scan(&size, &rows, &bytes, &executions)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Temporal persistence database: %d kB; history_node %d rows, %d bytes; executions %d", size/1024, rows, bytes, executions)
}

// checkReadOnlyUI: the UI server shows the call, says every write action
// is off, and refuses one sent to it anyway.
func checkReadOnlyUI(t *testing.T, ctx context.Context, ui, workflowID string) {
	t.Helper()
	var settings map[string]any
	getJSON(t, ctx, ui+"/api/v1/settings", &settings)
	for _, k := range []string{"DisableWriteActions", "WorkflowTerminateDisabled", "WorkflowCancelDisabled", "WorkflowSignalDisabled",
		"WorkflowUpdateDisabled", "WorkflowResetDisabled", "BatchActionsDisabled", "StartWorkflowDisabled", "ActivityCommandsDisabled"} {
		if settings[k] != true {
			t.Errorf("UI settings %s = %v, want true", k, settings[k])
		}
	}
	var list struct {
		Executions []struct {
			Execution struct{ WorkflowID string } `json:"execution"`
		} `json:"executions"`
	}
	getJSON(t, ctx, ui+"/api/v1/namespaces/default/workflows?query="+url.QueryEscape("WorkflowId = '"+workflowID+"'"), &list)
	if len(list.Executions) != 1 {
		t.Errorf("UI lists %d workflows with id %s, want 1", len(list.Executions), workflowID)
	}
	// As the page would send it: with the CSRF cookie and token the UI
	// server handed out, so only the write rule can refuse it.
	get, _ := http.NewRequestWithContext(ctx, http.MethodGet, ui+"/api/v1/settings", nil)
	resp, err := http.DefaultClient.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var csrf *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "_csrf" {
			csrf = c
		}
	}
	if csrf == nil {
		t.Fatalf("UI server set no _csrf cookie: %v", resp.Header["Set-Cookie"])
	}
	post, _ := http.NewRequestWithContext(ctx, http.MethodPost, ui+"/api/v1/namespaces/default/workflows/"+workflowID+"/terminate", strings.NewReader(`{"reason":"x"}`))
	post.Header.Set("Content-Type", "application/json")
	post.Header.Set("X-CSRF-Token", csrf.Value)
	post.AddCookie(&http.Cookie{Name: csrf.Name, Value: csrf.Value})
	resp, err = http.DefaultClient.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("UI terminate answered %s, want 405 Method Not Allowed", resp.Status)
	}
}

func getJSON(t *testing.T, ctx context.Context, u string, v any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(p, &n)
	return n
}

// databasesLike lists the databases whose name matches a LIKE pattern.
func databasesLike(t *testing.T, ctx context.Context, pattern string) []string {
	t.Helper()
	pool, err := pgxpool.New(ctx, testenv.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1`, pattern)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// clusterOptions are a cluster's options on fresh databases named prefix…
// of the test role, without a UI.
func clusterOptions(t *testing.T, tl launcher.Tools, prefix string) launcher.TemporalOptions {
	t.Helper()
	pg := &launcher.Postgres{AdminURL: testenv.AdminURL()}
	return launcher.TemporalOptions{Kind: launcher.KindCluster, UIPort: -1, Namespace: "default",
		SearchAttributes: launcher.WorkflowSearchAttributes(), LogPath: t.TempDir() + "/temporal.log",
		Cluster: launcher.ClusterOptions{ServerBin: tl.TemporalServer(), SQLToolBin: tl.TemporalSQLTool(),
			SchemaDir: tl.TemporalSchema(), ConfigFile: root(t) + "/" + launcher.ClusterServerConfig,
			DynamicConfigFile: root(t) + "/" + launcher.DevDynamicConfig,
			DatabaseURL:       pg.DatabaseURL(prefix + fmt.Sprint(time.Now().UnixNano()))}}
}

// A wrong password stops the cluster before any database is made.
func TestClusterWrongPasswordChangesNothing(t *testing.T) {
	t.Parallel()
	testenv.ServiceTest(t)
	tl := testenv.ClusterTools(t)
	opts := clusterOptions(t, tl, "cc_badpw_")
	u, _ := url.Parse(opts.Cluster.DatabaseURL)
	u.User = url.UserPassword(u.User.Username(), "not-the-password")
	opts.Cluster.DatabaseURL = u.String()
	_, err := launcher.StartTemporal(t.Context(), opts)
	var auth *launcher.DatabaseAuthError
	if !errors.As(err, &auth) || !strings.Contains(err.Error(), "refused role") {
		t.Fatalf("err = %v, want a DatabaseAuthError", err)
	}
	if left := databasesLike(t, t.Context(), "cc_badpw_%"); len(left) != 0 {
		t.Errorf("databases made despite the wrong password: %v", left)
	}
}

// A schema older than the binary stops the cluster with both versions
// named and the schema as it was; with UpgradeSchema the same databases
// are brought to the binary's version.
func TestClusterOldSchemaIsRefusedUnlessUpgrading(t *testing.T) {
	t.Parallel()
	testenv.ServiceTest(t)
	tl := testenv.ClusterTools(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	opts := clusterOptions(t, tl, "cc_oldschema_")
	pg, err := launcher.StartPostgres(ctx, launcher.PostgresOptions{AdminURL: testenv.AdminURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	name := strings.TrimPrefix(must(url.Parse(opts.Cluster.DatabaseURL)).Path, "/")
	for _, db := range []string{name, name + "_visibility"} {
		t.Cleanup(func() { dropDatabase(t, db) })
	}
	// Persistence one version behind the binary, visibility current.
	for _, db := range []struct{ name, dir, version string }{{name, "temporal", "1.17"}, {name + "_visibility", "visibility", ""}} {
		createDatabase(t, ctx, db.name)
		if err := launcher.SetupTemporalSchema(ctx, tl.TemporalSQLTool(), tl.TemporalSchema(), opts.Cluster.DatabaseURL, db.name, db.dir, db.version); err != nil {
			t.Fatal(err)
		}
	}
	_, err = launcher.StartTemporal(ctx, opts)
	var old *launcher.SchemaTooOldError
	if !errors.As(err, &old) || old.Have != "1.17" || old.Want != "1.18" || old.Database != name ||
		!strings.Contains(err.Error(), "1.17") || !strings.Contains(err.Error(), "1.18") {
		t.Fatalf("err = %v, want a SchemaTooOldError naming %s, 1.17 and 1.18", err, name)
	}
	if v, err := launcher.TemporalSchemaVersion(ctx, opts.Cluster.DatabaseURL, name); err != nil || v != "1.17" {
		t.Errorf("schema after the refusal: %q, %v; want 1.17 untouched", v, err)
	}

	// Asked to upgrade, the launcher brings it to the binary's version
	// (the databases' preparation alone: no server is needed for that).
	opts.Cluster.UpgradeSchema = true
	if err := launcher.PrepareClusterDatabases(ctx, opts); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{name, name + "_visibility"} {
		v, err := launcher.TemporalSchemaVersion(ctx, opts.Cluster.DatabaseURL, db)
		if err != nil || (db == name && v != "1.18") || (db != name && v != "1.9") {
			t.Errorf("%s after the upgrade: %q, %v", db, v, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func createDatabase(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	pool, err := pgxpool.New(ctx, testenv.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
}

func dropDatabase(t *testing.T, name string) {
	pool, err := pgxpool.New(context.Background(), testenv.AdminURL())
	if err != nil {
		t.Log(err)
		return
	}
	defer pool.Close()
	if err := app.DropDatabase(context.Background(), pool, name); err != nil {
		t.Logf("drop %s: %v", name, err)
	}
}

// A cluster told to use an office's namespace that it does not have stops
// with the namespace named, creates none, and leaves no process behind.
func TestClusterMissingNamespaceStopsTheStart(t *testing.T) {
	t.Parallel()
	testenv.ServiceTest(t)
	tl := testenv.ClusterTools(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	opts := clusterOptions(t, tl, "cc_nons_")
	opts.Namespace = "office-elsewhere"
	opts.Cluster.NamespaceMustExist = true
	name := strings.TrimPrefix(must(url.Parse(opts.Cluster.DatabaseURL)).Path, "/")
	for _, db := range []string{name, name + "_visibility"} {
		t.Cleanup(func() { dropDatabase(t, db) })
	}
	port, err := launcher.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	opts.Port = port
	_, err = launcher.StartTemporal(ctx, opts)
	var missing *launcher.NamespaceNotFoundError
	if !errors.As(err, &missing) || missing.Namespace != "office-elsewhere" || !strings.Contains(err.Error(), `"office-elsewhere"`) {
		t.Fatalf("err = %v, want a NamespaceNotFoundError naming office-elsewhere", err)
	}
	if launcher.PortOpen(port) {
		t.Error("the server still runs after the refusal")
	}
	// Nothing was written for it in the server's database.
	pool, err := pgxpool.New(ctx, opts.Cluster.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM namespaces WHERE name = $1`, "office-elsewhere").Scan(&n); err != nil || n != 0 {
		t.Errorf("namespace rows %d (%v), want none", n, err)
	}
}
