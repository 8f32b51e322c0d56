-- Each committee reviewer's own scoring sheet (issue 16): a reviewer
-- scores as one of the call's reviewer codes (committee.reviewers, the
-- sheet names of the workbook), given at assignment; its scores are kept
-- here, per reviewer, until every assigned reviewer has returned and the
-- merged sheets are handed to the call (score_staging, then scores).
-- language is the reviewer's, taken at its declaration, for reminders.
-- +goose Up
ALTER TABLE reviewer_assignments
    ADD COLUMN code     text,
    ADD COLUMN language text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'nl', 'en'));
CREATE UNIQUE INDEX reviewer_assignments_code ON reviewer_assignments (call_id, code);

CREATE TABLE review_sheet_scores (
    call_id    text        NOT NULL,
    user_id    uuid        NOT NULL,
    reference  text        NOT NULL REFERENCES applications,
    scores     int[]       NOT NULL,            -- by criterion, in config order
    comment    text        NOT NULL DEFAULT '',
    source     text        NOT NULL CHECK (source IN ('workbook', 'page')),
    saved_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_id, user_id, reference),
    FOREIGN KEY (user_id, call_id) REFERENCES reviewer_assignments (user_id, call_id)
);

-- +goose Down
DROP TABLE review_sheet_scores;
DROP INDEX reviewer_assignments_code;
ALTER TABLE reviewer_assignments DROP COLUMN code, DROP COLUMN language;
