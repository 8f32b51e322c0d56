// Package archive keeps closed workflows' histories in PostgreSQL
// (closed_histories) past the namespace retention, after which Temporal
// deletes them: the audit trail of a closed call or grant must outlive
// Temporal's copy. activities.ExportClosedHistories writes; operations
// reads when Temporal no longer has the run.
package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

// Run is one kept run, its history decoded.
type Run struct {
	WorkflowID   string
	RunID        string
	WorkflowType string
	Status       string // "Completed", "ContinuedAsNew"…
	StartedAt    time.Time
	ClosedAt     time.Time
	ExportedAt   time.Time
	History      *historypb.History
}

// ErrNotKept: no run of that workflow (or not that run) is in the archive.
var ErrNotKept = errors.New("not in the archive")

// Fetch reads a run's whole history from Temporal, page by page.
func Fetch(ctx context.Context, c client.Client, workflowID, runID string) (*historypb.History, error) {
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, e)
	}
	return h, nil
}

// Put keeps r unless that run is kept already (an export retried, or
// overlapping the last one): a kept history is never rewritten. It says
// whether it wrote.
func Put(ctx context.Context, db *pgxpool.Pool, r Run) (bool, error) {
	if len(r.History.GetEvents()) == 0 {
		return false, fmt.Errorf("%s/%s: no events to keep", r.WorkflowID, r.RunID)
	}
	b, err := proto.Marshal(r.History)
	if err != nil {
		return false, err
	}
	tag, err := db.Exec(ctx, `INSERT INTO closed_histories (workflow_id, run_id, workflow_type, status, started_at, closed_at, events, history)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workflow_id, run_id) DO NOTHING`,
		r.WorkflowID, r.RunID, r.WorkflowType, r.Status, r.StartedAt, r.ClosedAt, len(r.History.GetEvents()), b)
	if err != nil {
		return false, fmt.Errorf("keep the history of %s/%s: %w", r.WorkflowID, r.RunID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Kept says whether the run is in the archive.
func Kept(ctx context.Context, db *pgxpool.Pool, workflowID, runID string) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM closed_histories WHERE workflow_id = $1 AND run_id = $2)`, workflowID, runID).Scan(&ok)
	return ok, err
}

// Newest is the latest close time kept (zero when none): the next export
// lists runs closed from a little before it.
func Newest(ctx context.Context, db *pgxpool.Pool) (time.Time, error) {
	var t *time.Time
	if err := db.QueryRow(ctx, `SELECT max(closed_at) FROM closed_histories`).Scan(&t); err != nil || t == nil {
		return time.Time{}, err
	}
	return *t, nil
}

// Get is the kept run runID of workflowID, or its last closed run when
// runID is "", with the ids of every kept run of it, oldest first.
func Get(ctx context.Context, db *pgxpool.Pool, workflowID, runID string) (Run, []string, error) {
	var r Run
	var b []byte
	err := db.QueryRow(ctx, `SELECT run_id, workflow_type, status, started_at, closed_at, exported_at, history FROM closed_histories
		WHERE workflow_id = $1 AND ($2 = '' OR run_id = $2) ORDER BY closed_at DESC LIMIT 1`, workflowID, runID).
		Scan(&r.RunID, &r.WorkflowType, &r.Status, &r.StartedAt, &r.ClosedAt, &r.ExportedAt, &b)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, nil, ErrNotKept
	}
	if err != nil {
		return r, nil, err
	}
	r.WorkflowID, r.History = workflowID, &historypb.History{}
	if err := proto.Unmarshal(b, r.History); err != nil {
		return r, nil, fmt.Errorf("kept history of %s/%s does not decode: %w", workflowID, r.RunID, err)
	}
	rows, err := db.Query(ctx, `SELECT run_id FROM closed_histories WHERE workflow_id = $1 ORDER BY closed_at`, workflowID)
	if err != nil {
		return r, nil, err
	}
	runs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return r, runs, err
}
