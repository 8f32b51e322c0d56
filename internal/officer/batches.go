package officer

import (
	"context"
	"fmt"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/workflows"
	"github.com/google/uuid"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"
)

// ImportBatch is the number of applications per update: big enough that
// 10,000 applications take 100 updates, small enough to stay far below
// Temporal's payload limit.
const ImportBatch = 100

// importConcurrency keeps in-flight updates per workflow under the
// engine's limit of 10 (ENGINE-NOTES: ≤ 8 is the safe ceiling).
const importConcurrency = 4

// submitBatches stages every application in one COPY, then sends batches
// of size through the update with bounded concurrency. onDone reports
// progress. Refused rows are removed from the inbox before it returns.
func (e Env) submitBatches(ctx context.Context, callID string, apps []intake.Application, size int, bar *progressbar.ProgressBar) ([]string, []workflows.RowReason, error) {
	if err := e.callExists(ctx, callID); err != nil {
		return nil, nil, err
	}
	importID := uuid.NewString()
	conn, release, err := e.holdImport(ctx, importID)
	if err != nil {
		return nil, nil, err
	}
	// Released after the refused rows are unstaged below: accepted rows
	// are then in applications, or in updates the workflow has accepted.
	defer release()
	tokens, err := e.stage(ctx, conn, callID, importID, apps)
	if err != nil {
		return nil, nil, err
	}
	refs := make([]string, len(apps))
	refusedAt := make([]string, len(apps))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	for start := 0; start < len(apps); start += size {
		end := min(start+size, len(apps))
		g.Go(func() error {
			subs := make([]intake.Submission, 0, end-start)
			for i := start; i < end; i++ {
				subs = append(subs, apps[i].Submission(tokens[i]))
			}
			r, refused, err := e.sendBatch(gctx, callID, subs)
			if err != nil {
				return err
			}
			for j := range subs {
				refs[start+j] = r[j]
				if reason, ok := refused[j]; ok {
					refusedAt[start+j] = reason
					refs[start+j] = ""
				}
			}
			if bar != nil {
				_ = bar.Add(end - start)
			}
			return nil
		})
	}
	err = g.Wait()
	var rows []workflows.RowReason
	var drop []string
	for i := range apps {
		if refs[i] == "" {
			drop = append(drop, tokens[i])
			if refusedAt[i] != "" {
				rows = append(rows, workflows.RowReason{Index: i, Reason: refusedAt[i]})
			}
		}
	}
	// Rows not accepted leave nothing behind, even when a batch failed.
	if uerr := e.unstage(ctx, conn, drop); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("submit to %s: %w", callID, err)
	}
	return refs, rows, nil
}

// callExists gives a clear error for an unknown call before anything is
// staged.
func (e Env) callExists(ctx context.Context, callID string) error {
	_, err := e.Temporal.DescribeWorkflowExecution(ctx, workflows.CallWorkflowID(callID), "")
	return e.explain(callID, err)
}
