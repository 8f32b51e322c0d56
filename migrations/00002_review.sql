-- Eligibility screening, committee scores, ranking and proposal (issue 3).
-- +goose Up
ALTER TABLE applications
    ADD COLUMN eligible         boolean,      -- NULL until screened
    ADD COLUMN screening_reason text,         -- why ineligible (sent to the applicant)
    ADD COLUMN screened_by      text,         -- officer, or 'automatic'
    ADD COLUMN screened_at      timestamptz;

-- A validated scoring workbook on its way in: written by `starter review
-- import` only after every cell passed, moved into scores by the call
-- workflow's activity in one transaction.
CREATE TABLE score_staging (
    import_id uuid NOT NULL,
    call_id   text NOT NULL,
    reference text NOT NULL,
    reviewer  text NOT NULL,
    conflict  boolean NOT NULL,
    scores    int[],                          -- by criterion, in config order
    comment   text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (import_id, reference, reviewer)
);

CREATE TABLE scores (
    reference   text NOT NULL REFERENCES applications,
    reviewer    text NOT NULL,
    conflict    boolean NOT NULL,
    scores      int[],
    comment     text NOT NULL DEFAULT '',
    import_id   uuid NOT NULL,
    imported_by text NOT NULL,
    imported_at timestamptz NOT NULL,
    PRIMARY KEY (reference, reviewer)
);

CREATE TABLE ranking (
    reference  text PRIMARY KEY REFERENCES applications,
    call_id    text NOT NULL,
    rank       int  NOT NULL,
    total      bigint NOT NULL,               -- Σ weight × score over reviewers without conflict
    max_total  bigint NOT NULL,
    reviewers  int  NOT NULL,
    selected   boolean NOT NULL,
    envelope   text,                          -- reserved region, '' for general, NULL if not selected
    UNIQUE (call_id, rank)
);

-- Mail attachments (the scoring workbook to the committee secretariat).
ALTER TABLE mail_log ADD COLUMN attachment_path text;

-- +goose Down
ALTER TABLE mail_log DROP COLUMN attachment_path;
DROP TABLE ranking;
DROP TABLE scores;
DROP TABLE score_staging;
ALTER TABLE applications DROP COLUMN eligible, DROP COLUMN screening_reason, DROP COLUMN screened_by, DROP COLUMN screened_at;
