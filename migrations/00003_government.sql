-- Government status, budget years, decisions (issue 4).
-- +goose Up
-- Every change of the government's status, with who recorded it and when.
CREATE TABLE government_changes (
    version     int PRIMARY KEY,              -- the government workflow's status version
    caretaker   boolean NOT NULL,
    effective   date NOT NULL,                -- caretaker since / installed on
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL
);

ALTER TABLE calls
    ADD COLUMN budget_year int,
    ADD COLUMN status      text NOT NULL DEFAULT 'running',
    ADD COLUMN end_reason  text;

CREATE TABLE decisions (
    call_id     text PRIMARY KEY REFERENCES calls,
    decree      text NOT NULL,                -- the government decree's reference
    decided_by  text NOT NULL,
    decided_at  timestamptz NOT NULL,
    total_cents bigint NOT NULL,
    budget_year int NOT NULL
);

ALTER TABLE applications
    ADD COLUMN decision      text CHECK (decision IN ('granted', 'rejected')),
    ADD COLUMN granted_cents bigint CHECK (granted_cents > 0);

-- +goose Down
ALTER TABLE applications DROP COLUMN decision, DROP COLUMN granted_cents;
DROP TABLE decisions;
ALTER TABLE calls DROP COLUMN budget_year, DROP COLUMN status, DROP COLUMN end_reason;
DROP TABLE government_changes;
