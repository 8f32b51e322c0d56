-- Grant execution: grants, the payment ledger, final reports (issue 5).
-- +goose Up
CREATE TABLE grants (
    grant_id       text PRIMARY KEY,             -- GRANT-AP-SUD-2024-0007
    call_id        text NOT NULL REFERENCES calls,
    reference      text NOT NULL UNIQUE REFERENCES applications,
    granted_cents  bigint NOT NULL CHECK (granted_cents > 0),
    status         text NOT NULL DEFAULT 'agreement',
    agreement_sent timestamptz,
    signed_on      date,
    project_end    timestamptz,
    report_due     timestamptz,
    spent_cents    bigint,
    final_cents    bigint,
    recovery_cents bigint,
    closed_at      timestamptz
);

-- One row per grant, tranche and kind: a retried activity or a worker
-- that dies after the insert cannot order a payment twice.
CREATE TABLE ledger (
    grant_id     text NOT NULL REFERENCES grants,
    tranche      int  NOT NULL,                  -- 1-based; 0 for a recovery
    kind         text NOT NULL CHECK (kind IN ('payment', 'recovery')),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    ordered_at   timestamptz NOT NULL,
    paid_on      date,
    confirmed_by text,
    PRIMARY KEY (grant_id, tranche, kind)
);

CREATE TABLE reports (
    grant_id      text NOT NULL REFERENCES grants,
    revision      int  NOT NULL,                 -- 0 for the first report
    received_on   timestamptz NOT NULL,
    beneficiaries int  NOT NULL CHECK (beneficiaries >= 0),
    spent_cents   bigint NOT NULL CHECK (spent_cents >= 0),
    lessons       text NOT NULL,
    received_by   text NOT NULL,
    review        text CHECK (review IN ('approved', 'revise')),
    review_note   text,
    reviewed_by   text,
    PRIMARY KEY (grant_id, revision)
);

-- +goose Down
DROP TABLE reports;
DROP TABLE ledger;
DROP TABLE grants;
