package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callcycle/callcycle/internal/archive"
	"github.com/callcycle/callcycle/internal/demo"
	"github.com/callcycle/callcycle/internal/launcher"
	"github.com/callcycle/callcycle/internal/testenv"
	"github.com/callcycle/callcycle/workflows"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// upgradeFrom is build A of the rolling-upgrade test: main just before
// the grant-local and call-lean changes, which build B (this code)
// carries behind workflow.GetVersion. Its schema is B's but for
// migration 00011 (additive), so A runs on the database B leaves.
const upgradeFrom = "a5a03c6fa3a258b5ad820504f2badeb21f520f48"

// Issue 14 point 4: the 2024 replay on the cluster starts on two workers
// of build A. In the middle of the grant stage (every grant started by
// A, some signed and paid, others waiting) both are stopped with SIGTERM
// (they drain) and two workers of build B start. Every call and grant
// finishes on B with the uninterrupted replay's figures, every mail and
// tranche once; the grants A started carry on on B's old branch (no
// grant-local marker), their histories hold workflow tasks of both
// builds, and they replay on B's code.
func TestRollingUpgradeFinishesEveryCallAndGrant(t *testing.T) {
	t.Parallel()
	oldBin := testenv.WorkerAt(t, upgradeFrom)
	db, dbURL := testenv.Postgres(t)
	tc, srv := testenv.TemporalOf(t, launcher.KindCluster)
	sink := testenv.StartMailpit(t)
	logs := t.TempDir()
	start := func(build, bin string, i int) *launcher.Worker {
		opts := launcher.WorkerOptions{Bin: bin, TemporalAddress: srv.FrontendHostPort(), DatabaseURL: dbURL, SMTPPort: sink.SMTPPort,
			LogPath: filepath.Join(logs, fmt.Sprintf("worker-%s-%d.log", build, i))}
		if build == "A" {
			opts.HTTPPort = -1 // A predates /readyz: its log line says it polls
		}
		return testenv.StartWorker(t, opts)
	}
	var a, b []*launcher.Worker
	for i := 1; i <= 2; i++ {
		a = append(a, start("A", oldBin, i))
	}
	var out bytes.Buffer
	r, err := demo.New(demo.Env{Temporal: tc, DB: db, Out: &out, By: officer.Name}, example("2024"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	upgraded := false
	r.Runner = &faultsAt{t: t, faults: map[int]func(){
		12: func() {
			for _, w := range a { // a rolling stop: each drains its in-flight tasks
				w.Stop()
			}
			for i := 1; i <= 2; i++ {
				b = append(b, start("B", "", i))
			}
			upgraded = true
		},
	}}
	ctx := context.Background()
	res, err := r.Run(ctx, "", filepath.Join(t.TempDir(), "annual-report-2024.xlsx"))
	t.Logf("replay:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !upgraded {
		t.Fatal("the grant step ran too few actions for the upgrade")
	}
	checkFigures(t, "", res)
	checkEveryMailOnce(t, db, sink)
	checkEveryTranchePaidOnce(t, db)

	// Who ran what: a workflow task's identity is the worker's pid@host.
	identity := func(ws []*launcher.Worker) []string {
		var ids []string
		for _, w := range ws {
			ids = append(ids, fmt.Sprintf("%d@", w.Process().Pid()))
		}
		return ids
	}
	aIDs, bIDs := identity(a), identity(b)
	rows, err := db.Query(ctx, `SELECT grant_id FROM grants ORDER BY grant_id`)
	if err != nil {
		t.Fatal(err)
	}
	var grants []string
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		grants = append(grants, id)
	}
	rows.Close()
	// The marker check itself, on a kept history of a grant B started.
	f, err := os.Open(filepath.Join("..", "..", "workflows", "testdata", "histories", "grant-full.json"))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	f.Close()
	if err != nil || !marker(kept, workflows.VersionGrantLocal) {
		t.Fatalf("grant-full.json, a grant of B's code: no %s marker found (%v)", workflows.VersionGrantLocal, err)
	}
	replayer := worker.NewWorkflowReplayer()
	workflows.Register(replayer)
	both, handedOver := 0, ""
	for _, g := range grants {
		h, err := archive.Fetch(ctx, tc, g, "")
		if err != nil {
			t.Fatal(err)
		}
		byA, byB := tasksBy(h, aIDs), tasksBy(h, bIDs)
		if byA == 0 {
			t.Errorf("%s: no workflow task of build A: it did not start before the upgrade", g)
		}
		if byA > 0 && byB > 0 {
			both++
			handedOver = or(handedOver, g)
		}
		if marker(h, workflows.VersionGrantLocal) {
			t.Errorf("%s started on A has B's %s marker: B did not keep A's behaviour for it", g, workflows.VersionGrantLocal)
		}
		if err := replayer.ReplayWorkflowHistory(nil, h); err != nil {
			t.Errorf("%s (A, then B) does not replay on B: %v", g, err)
		}
	}
	if both == 0 {
		t.Fatalf("no grant ran workflow tasks on both builds: the upgrade happened outside the grant stage")
	}
	t.Logf("%d grants, %d of them worked by build A then build B; all replay on B", len(grants), both)
	testenv.SaveHistory(t, tc, handedOver, "upgrade-grant-a-then-b")
	testenv.SaveHistory(t, tc, workflows.CallWorkflowID("AP-SUD-2024"), "upgrade-call-sud-a-then-b")
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tasksBy counts the workflow tasks completed by workers whose identity
// starts with one of ids ("pid@").
func tasksBy(h *historypb.History, ids []string) int {
	n := 0
	for _, e := range h.GetEvents() {
		if a := e.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			for _, id := range ids {
				if strings.HasPrefix(a.GetIdentity(), id) {
					n++
				}
			}
		}
	}
	return n
}

// marker says whether h records the GetVersion change id.
func marker(h *historypb.History, changeID string) bool {
	for _, e := range h.GetEvents() {
		if m := e.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "Version" {
			if p := m.GetDetails()["change-id"]; p != nil && len(p.GetPayloads()) > 0 && strings.Contains(string(p.GetPayloads()[0].GetData()), changeID) {
				return true
			}
		}
	}
	return false
}
