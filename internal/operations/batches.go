package operations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/workflows"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"
)

// submitBatches stages every application in one COPY, then sends batches
// of size through the update with bounded concurrency, telling progress
// (when not nil) how many were sent. Refused rows are
// removed from the inbox before it returns.
func (s *Service) submitBatches(ctx context.Context, by Actor, callID string, apps []intake.Application, size int, progress func(done, total int)) ([]string, []workflows.RowReason, error) {
	if err := s.callExists(ctx, callID); err != nil {
		return nil, nil, err
	}
	importID := uuid.NewString()
	// One application (a form, a file) is in and out of the inbox in
	// seconds, far within the purge's retention (hours): it needs no lock,
	// and holding a connection for the length of its update would make the
	// pool, not Temporal, the limit on applicants applying at once.
	var conn inbox = s.DB
	if len(apps) > 1 {
		held, release, err := s.holdImport(ctx, importID)
		if err != nil {
			return nil, nil, err
		}
		// Released after the refused rows are unstaged below: accepted
		// rows are then in applications, or in updates the workflow has
		// accepted.
		defer release()
		conn = held
	}
	tokens, err := stage(ctx, conn, callID, importID, apps)
	if err != nil {
		return nil, nil, err
	}
	refs := make([]string, len(apps))
	refusedAt := make([]string, len(apps))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	done := 0
	var mu sync.Mutex
	for start := 0; start < len(apps); start += size {
		end := min(start+size, len(apps))
		g.Go(func() error {
			subs := make([]intake.Submission, 0, end-start)
			for i := start; i < end; i++ {
				subs = append(subs, apps[i].Submission(tokens[i]))
			}
			send := s.sendBatch
			if len(apps) == 1 {
				send = s.sendOne
			}
			r, refused, err := send(gctx, by, callID, subs)
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
			if progress != nil {
				mu.Lock()
				done += end - start
				progress(done, len(apps))
				mu.Unlock()
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
	if uerr := unstage(ctx, conn, drop); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		var own *Error
		if errors.As(err, &own) {
			return nil, nil, err
		}
		return nil, nil, classify("", fmt.Errorf("submit to %s: %w", callID, err))
	}
	return refs, rows, nil
}

// inbox is where applications are staged: the pool, or a connection
// holding the import's lock.
type inbox interface {
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func stage(ctx context.Context, conn inbox, callID, importID string, apps []intake.Application) ([]string, error) {
	tokens := make([]string, len(apps))
	rows := make([][]any, len(apps))
	for i, a := range apps {
		tokens[i] = uuid.NewString()
		var iban any
		if a.IBAN != "" {
			iban = intake.NormalizeIBAN(a.IBAN)
		}
		rows[i] = []any{tokens[i], callID, a.ContactName, a.Email, a.Language, a.Summary, a.DurationMonths, iban, importID}
	}
	// COPY: one round trip for the whole file, not one per row.
	_, err := conn.CopyFrom(ctx, pgx.Identifier{"intake_inbox"},
		[]string{"token", "call_id", "contact_name", "email", "language", "summary", "duration_months", "iban", "import_id"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return nil, classify("", fmt.Errorf("stage applications: %w", err))
	}
	return tokens, nil
}

// holdImport takes the shared advisory lock that keeps the purge away
// from this import's rows (intake.ImportLockClass) on a connection of its
// own, and returns it (stage and unstage use it, so an import needs one
// connection however small the pool) and its release. A process that
// dies drops the connection and with it the lock: only then can its rows
// age into the purge.
func (s *Service) holdImport(ctx context.Context, importID string) (*pgxpool.Conn, func(), error) {
	conn, err := s.DB.Acquire(ctx)
	if err != nil {
		return nil, nil, classify("", fmt.Errorf("stage applications: %w", err))
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1, hashtext($2::uuid::text))`, intake.ImportLockClass, importID); err != nil {
		conn.Release()
		return nil, nil, classify("", fmt.Errorf("stage applications: %w", err))
	}
	return conn, func() {
		ctx := context.WithoutCancel(ctx)
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock_shared($1, hashtext($2::uuid::text))`, intake.ImportLockClass, importID); err != nil {
			// A pooled connection must not go back still holding the
			// lock: closing it releases the lock server-side.
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}

func unstage(ctx context.Context, conn inbox, tokens []string) error {
	if len(tokens) == 0 {
		return nil
	}
	_, err := conn.Exec(context.WithoutCancel(ctx), `DELETE FROM intake_inbox WHERE token = ANY($1::uuid[])`, tokens)
	return err
}

// sendOne submits a single application grouped with the others sent to
// the call at the same moment (group.go), as sendBatch answers.
func (s *Service) sendOne(_ context.Context, _ Actor, callID string, subs []intake.Submission) ([]string, map[int]string, error) {
	ref, refused, err := s.sendGrouped(callID, subs[0])
	if err != nil {
		return nil, nil, err
	}
	if refused != "" {
		return []string{""}, map[int]string{0: refused}, nil
	}
	return []string{ref}, map[int]string{}, nil
}

// sendBatch submits one batch through batchUpdate and returns the
// references by position and the refusals.
func (s *Service) sendBatch(ctx context.Context, by Actor, callID string, subs []intake.Submission) ([]string, map[int]string, error) {
	refs := make([]string, len(subs))
	raced := map[int]string{}
	refused, err := batchUpdate(callID, subs, func(idx []int, batch []intake.Submission) error {
		var res workflows.SubmitResult
		if err := s.callUpdate(ctx, callID, workflows.UpdateSubmit, workflows.SubmitInput{Submissions: batch, By: by.Name}, &res); err != nil {
			return err
		}
		for j, ref := range res.References {
			refs[idx[j]] = ref
		}
		for _, r := range res.Refused {
			refs[idx[r.Index]], raced[idx[r.Index]] = "", r.Reason
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for i, reason := range raced {
		refused[i] = reason
	}
	return refs, refused, nil
}

// batchUpdate sends items through an update whose validator refuses a
// batch with any bad row. Refused rows (named in the rejection's details)
// are dropped and the rest resent, so good rows go in and every bad row
// gets its reason. send performs the update for one attempt; idx gives
// the position in items of each element of batch. The returned map is
// keyed by position in items.
func batchUpdate[T any](callID string, items []T, send func(idx []int, batch []T) error) (map[int]string, error) {
	refused := map[int]string{}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	pending := append([]T(nil), items...)
	for len(pending) > 0 {
		err := send(idx, pending)
		if err == nil {
			return refused, nil
		}
		var rej workflows.Rejection
		if !rejectionDetails(err, &rej) || len(rej.Rows) == 0 {
			var own *Error
			if errors.As(err, &own) && (own.Kind == Refused || own.Kind == WrongStage) { // the whole batch is refused (wrong stage...)
				for _, i := range idx {
					refused[i] = reasonOf(callID, own)
				}
				return refused, nil
			}
			return nil, err
		}
		bad := map[int]bool{}
		for _, r := range rej.Rows {
			bad[r.Index] = true
			refused[idx[r.Index]] = r.Reason
		}
		var keep []T
		var keepIdx []int
		for j := range pending {
			if !bad[j] {
				keep, keepIdx = append(keep, pending[j]), append(keepIdx, idx[j])
			}
		}
		pending, idx = keep, keepIdx
	}
	return refused, nil
}

// reasonOf is a whole-batch refusal as a row's reason: the answer
// without the call id that opens it.
func reasonOf(callID string, e *Error) string {
	return strings.TrimPrefix(e.Message, callID+": ")
}

func rejectionDetails(err error, rej *workflows.Rejection) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != workflows.ErrTypeRejected || !appErr.HasDetails() {
		return false
	}
	return appErr.Details(rej) == nil
}
