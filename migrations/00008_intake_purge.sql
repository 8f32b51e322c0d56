-- The purge of abandoned intake rows (issue 11, point 10).
-- +goose Up
-- The `starter` run that staged a row. While that run is alive it holds a
-- shared advisory lock on (intake.ImportLockClass, hashtext(import_id)),
-- so the purge, which needs the same lock exclusively, never deletes a row
-- an import may still send. NULL for rows staged before this migration:
-- those are judged by their age alone.
ALTER TABLE intake_inbox ADD COLUMN import_id uuid;
CREATE INDEX intake_inbox_created ON intake_inbox (created_at);

-- One line per purge run, for operators (`SELECT * FROM purge_log ORDER BY
-- started_at DESC`). Counts only: what was deleted is personal data.
CREATE TABLE purge_log (
    run         text PRIMARY KEY,          -- workflow id/run id: a retried attempt adds to its own line
    target      text NOT NULL,             -- the table purged
    retention   interval NOT NULL,
    cutoff      timestamptz NOT NULL,      -- rows created before this were candidates
    purged      int NOT NULL DEFAULT 0,
    kept_alive  int NOT NULL DEFAULT 0,    -- older than the cutoff, but held by a running import
    purged_by   text NOT NULL,             -- the system, by name
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- +goose Down
DROP TABLE purge_log;
DROP INDEX intake_inbox_created;
ALTER TABLE intake_inbox DROP COLUMN import_id;
