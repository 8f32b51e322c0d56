-- Closed workflows' histories, kept past the namespace retention (issue
-- 14): Temporal deletes a closed call's or grant's history when its
-- retention passes; the hourly ExportHistories workflow copies each
-- closed run here first, so the audit trail lives as long as the rest of
-- the system of record (and is backed up with it). history is the
-- temporal.api.history.v1.History message in protobuf wire form.
-- Histories hold no personal data (ids, amounts, stages only).
-- +goose Up
CREATE TABLE closed_histories (
    workflow_id   text        NOT NULL,
    run_id        text        NOT NULL,
    workflow_type text        NOT NULL,
    status        text        NOT NULL,   -- Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut
    started_at    timestamptz NOT NULL,
    closed_at     timestamptz NOT NULL,
    events        int         NOT NULL CHECK (events > 0),
    history       bytea       NOT NULL,
    exported_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX closed_histories_closed_at ON closed_histories (closed_at);

-- +goose Down
DROP TABLE closed_histories;
