package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/callcycle/callcycle/internal/intake"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// PurgeIntakeInput is one purge run. Run names the run in purge_log (the
// workflow's id and run id), so every attempt of the run adds to one line.
type PurgeIntakeInput struct {
	Run       string        `json:"run"`
	Retention time.Duration `json:"retention"`
	BatchSize int           `json:"batchSize"` // rows per transaction; 0 for the default
}

// PurgeIntakeResult counts what the run did; it never names a row.
type PurgeIntakeResult struct {
	Purged    int       `json:"purged"`    // rows deleted by this run, over all its attempts
	KeptAlive int       `json:"keptAlive"` // older than the cutoff, kept because an import holding them is still running
	Cutoff    time.Time `json:"cutoff"`    // rows created before this were candidates
}

// PurgedBy is who purge_log says purged: the system, by name.
const PurgedBy = "system: purge-intake schedule"

const purgeBatch = 1000

// PurgeIntake deletes the intake_inbox rows no workflow consumed: created
// before now - Retention and not held by a running import. A consumed row
// is gone already (RecordApplications moves it into applications and
// deletes it in one transaction), so what is left and old is a refused row
// the CLI could not delete or a CLI that died mid-import. A row is kept
// when
//   - its import still holds its advisory lock (intake.ImportLockClass):
//     the CLI is alive and may still send it, however slow it is;
//   - a transaction has it locked: RecordApplications is moving it now.
//
// Each batch deletes and counts in one transaction, so a crash between
// batches loses nothing and a retry continues with the same cutoff; a run
// repeated after it finished finds nothing left to delete.
//
// What it cannot see is an update accepted just before its CLI died whose
// RecordApplications has not run yet (it runs within seconds while a
// worker is up). Only a row already past the retention at that moment,
// i.e. of an import alive for longer than the retention, is at risk: the
// record then fails as InboxMissing, the whole batch is not submitted and
// nothing is half written; the officer imports those rows again.
func (a *Activities) PurgeIntake(ctx context.Context, in PurgeIntakeInput) (PurgeIntakeResult, error) {
	var res PurgeIntakeResult
	if in.Run == "" {
		return res, temporal.NewNonRetryableApplicationError("purge: no run name", ErrTypeInvalid, nil)
	}
	if in.Retention < intake.MinRetention {
		return res, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("purge: retention %s is below the minimum %s", in.Retention, intake.MinRetention), ErrTypeInvalid, nil)
	}
	size := in.BatchSize
	if size <= 0 {
		size = purgeBatch
	}
	// The first attempt fixes the cutoff (database clock, the one
	// created_at uses); a retry reads it back with what was purged so far.
	err := a.DB.QueryRow(ctx, `
		INSERT INTO purge_log (run, target, retention, cutoff, purged_by)
		VALUES ($1, 'intake_inbox', make_interval(secs => $2), now() - make_interval(secs => $2), $3)
		ON CONFLICT (run) DO UPDATE SET run = purge_log.run
		RETURNING cutoff, purged`, in.Run, in.Retention.Seconds(), PurgedBy).Scan(&res.Cutoff, &res.Purged)
	if err != nil {
		return res, fmt.Errorf("purge: %w", err)
	}
	for {
		var n int
		err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
			// The exclusive try-lock fails on an import whose CLI holds the
			// shared one; an xact lock taken here ends with the transaction.
			tag, err := tx.Exec(ctx, `
				DELETE FROM intake_inbox WHERE token IN (
					SELECT token FROM intake_inbox
					WHERE created_at < $1
					  AND (import_id IS NULL OR pg_try_advisory_xact_lock($2, hashtext(import_id::text)))
					ORDER BY created_at
					LIMIT $3
					FOR UPDATE SKIP LOCKED)`, res.Cutoff, intake.ImportLockClass, size)
			if err != nil {
				return err
			}
			n = int(tag.RowsAffected())
			_, err = tx.Exec(ctx, `UPDATE purge_log SET purged = purged + $2, finished_at = now() WHERE run = $1`, in.Run, n)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("purge: %w", err)
		}
		res.Purged += n
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, res.Purged)
		}
		if n < size {
			break
		}
	}
	err = a.DB.QueryRow(ctx, `
		WITH kept AS (SELECT count(*)::int AS n FROM intake_inbox WHERE created_at < $2)
		UPDATE purge_log SET kept_alive = kept.n, finished_at = now() FROM kept WHERE run = $1
		RETURNING kept.n`, in.Run, res.Cutoff).Scan(&res.KeptAlive)
	if err != nil {
		return res, fmt.Errorf("purge: %w", err)
	}
	a.log().Info("intake purge", "run", in.Run, "purged", res.Purged, "kept_alive", res.KeptAlive, "cutoff", res.Cutoff)
	return res, nil
}
