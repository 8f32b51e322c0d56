-- Money outside calls, and budgets before callcycle (issue 6).
-- +goose Up
-- Grants decided outside a call ("hors appel") and emergency aid.
CREATE TABLE direct_grants (
    grant_key    text PRIMARY KEY,              -- year/normalised operator/normalised project
    year         int  NOT NULL,
    support      text NOT NULL CHECK (support IN ('hors-appel', 'urgence')),
    programme    text NOT NULL CHECK (programme IN ('sud', 'cms')),
    operator     text NOT NULL,
    project      text NOT NULL,
    zone         text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    decided_on   date NOT NULL,
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL
);

-- Operating costs (invoices), each charged to a zone.
CREATE TABLE expenses (
    year         int  NOT NULL,
    invoice      text NOT NULL,
    supplier     text NOT NULL,
    description  text NOT NULL,
    zone         text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    invoiced_on  date NOT NULL,
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (year, invoice)
);

-- Committed totals of years before callcycle, for the year-by-year chart.
CREATE TABLE budget_history (
    year            int PRIMARY KEY,
    committed_cents bigint NOT NULL CHECK (committed_cents >= 0),
    source          text NOT NULL,
    recorded_by     text NOT NULL
);

-- +goose Down
DROP TABLE budget_history;
DROP TABLE expenses;
DROP TABLE direct_grants;
