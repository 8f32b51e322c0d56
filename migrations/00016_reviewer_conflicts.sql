-- A reviewer's declaration of conflicts of interest (issue 15): the
-- applications it may not see, kept with its assignment to the call.
-- Until declared_at is set it sees none of the call's files.
-- +goose Up
ALTER TABLE reviewer_assignments
    ADD COLUMN conflicts   text[] NOT NULL DEFAULT '{}',
    ADD COLUMN assigned_by text   NOT NULL DEFAULT 'system',
    ADD COLUMN assigned_at timestamptz NOT NULL DEFAULT now();

-- +goose Down
ALTER TABLE reviewer_assignments DROP COLUMN conflicts, DROP COLUMN assigned_by, DROP COLUMN assigned_at;
