package officer

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/callcycle/callcycle/workflows"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"
)

// Apply submits one application file. The personal data goes to the
// PostgreSQL inbox, the rest through the call's update; a refusal deletes
// the inbox row again, so a rejected application leaves nothing behind.
func (e Env) Apply(ctx context.Context, callID, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", usage("%v", err)
	}
	app, err := intake.ParseYAML(data)
	if err != nil {
		return "", fmt.Errorf("%w: %s:\n%v", ErrUsage, path, err)
	}
	refs, rows, err := e.submit(ctx, callID, []intake.Application{app})
	if err != nil {
		return "", err
	}
	if len(rows) > 0 {
		return "", fmt.Errorf("%w: %s: application refused:\n%s", ErrUsage, path, rows[0].Reason)
	}
	fmt.Fprintf(e.Out, "accepted %s: %s — %s; receipt mailed to the applicant\n", refs[0], app.Association, app.Title)
	return refs[0], nil
}

// submit stages apps in the inbox, sends them in batches, and returns a
// reference per app ("" when refused) and the refusals, indexed into apps.
func (e Env) submit(ctx context.Context, callID string, apps []intake.Application) ([]string, []workflows.RowReason, error) {
	return e.submitBatches(ctx, callID, apps, len(apps), nil)
}

func (e Env) stage(ctx context.Context, conn *pgxpool.Conn, callID, importID string, apps []intake.Application) ([]string, error) {
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
		return nil, fmt.Errorf("stage applications: %w", err)
	}
	return tokens, nil
}

// holdImport takes the shared advisory lock that keeps the purge away
// from this import's rows (intake.ImportLockClass) on a connection of its
// own, and returns it (stage and unstage use it, so an import needs one
// connection however small the pool) and its release. A CLI that dies
// drops the connection and with it the lock: only then can its rows age
// into the purge.
func (e Env) holdImport(ctx context.Context, importID string) (*pgxpool.Conn, func(), error) {
	conn, err := e.DB.Acquire(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("stage applications: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1, hashtext($2::uuid::text))`, intake.ImportLockClass, importID); err != nil {
		conn.Release()
		return nil, nil, fmt.Errorf("stage applications: %w", err)
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

func (e Env) unstage(ctx context.Context, conn *pgxpool.Conn, tokens []string) error {
	if len(tokens) == 0 {
		return nil
	}
	_, err := conn.Exec(context.WithoutCancel(ctx), `DELETE FROM intake_inbox WHERE token = ANY($1::uuid[])`, tokens)
	return err
}

// sendBatch submits one batch through batchUpdate and returns the
// references by position and the refusals.
func (e Env) sendBatch(ctx context.Context, callID string, subs []intake.Submission) ([]string, map[int]string, error) {
	refs := make([]string, len(subs))
	raced := map[int]string{}
	refused, err := batchUpdate(ctx, callID, subs, func(idx []int, batch []intake.Submission) error {
		var res workflows.SubmitResult
		if err := e.update(ctx, callID, workflows.UpdateSubmit, workflows.SubmitInput{Submissions: batch, By: e.By}, &res); err != nil {
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

func rejectionDetails(err error, rej *workflows.Rejection) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != workflows.ErrTypeRejected || !appErr.HasDetails() {
		return false
	}
	return appErr.Details(rej) == nil
}

func trimCall(callID string, err error) string {
	msg := err.Error()
	for _, p := range []string{ErrUsage.Error() + ": ", callID + ": "} {
		for len(msg) >= len(p) && msg[:len(p)] == p {
			msg = msg[len(p):]
		}
	}
	return msg
}
