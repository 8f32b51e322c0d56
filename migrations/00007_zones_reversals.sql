-- Kept zones and reversal entries (issue 11, point 8).
-- +goose Up
-- Zones money outside calls may be charged to, besides the regions of
-- launched calls (read from calls.config). An officer's zone is matched to
-- one of these without regard to case, accents and spacing (package
-- zones) and stored in the spelling kept here. Seeded with the zones of
-- the 2024 report.
CREATE TABLE zones (
    zone        text PRIMARY KEY,             -- the kept spelling
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO zones (zone, recorded_by) VALUES
    ('Territoire palestinien occupé', 'migration 00007'),
    ('Région de Bruxelles-Capitale', 'migration 00007'),
    ('Région de Rabat-Salé-Kénitra', 'migration 00007'),
    ('Ville-Province de Kinshasa', 'migration 00007'),
    ('Maroc (hors RRSK)', 'migration 00007');

-- A reversed invoice may be recorded again (corrected): each recording of
-- an invoice number in a year is a version, the reversed ones kept.
ALTER TABLE expenses ADD COLUMN version int NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE expenses DROP CONSTRAINT expenses_pkey;
ALTER TABLE expenses ADD PRIMARY KEY (year, invoice, version);

-- Likewise a past year's committed total, which until now said who but
-- not when.
ALTER TABLE budget_history ADD COLUMN version int NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE budget_history ADD COLUMN recorded_at timestamptz;  -- NULL: recorded before 00007
ALTER TABLE budget_history DROP CONSTRAINT budget_history_pkey;
ALTER TABLE budget_history ADD PRIMARY KEY (year, version);

-- A wrong entry is never edited or deleted: a reversal is a negative
-- entry referring to the original, recorded with who and when. One per
-- original (UNIQUE): a second reversal of the same entry is refused by the
-- budget workflow, and a retried activity writes nothing twice. A
-- reversed direct grant recorded again gets grant_key "<key>/2", "/3"...
CREATE TABLE budget_reversals (
    reversal_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year            int  NOT NULL,
    grant_key       text UNIQUE REFERENCES direct_grants,
    invoice         text,
    invoice_version int,
    history_version int,                      -- the year's committed total (budget_history)
    amount_cents    bigint NOT NULL CHECK (amount_cents <= 0),
    reason          text NOT NULL,
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL,
    FOREIGN KEY (year, invoice, invoice_version) REFERENCES expenses (year, invoice, version),
    FOREIGN KEY (year, history_version) REFERENCES budget_history (year, version),
    UNIQUE (year, invoice, invoice_version),
    UNIQUE (year, history_version),
    CHECK (num_nonnulls(grant_key, invoice, history_version) = 1 AND (invoice IS NULL) = (invoice_version IS NULL))
);

-- +goose Down
DROP TABLE budget_reversals;
DELETE FROM budget_history WHERE version > 1;
ALTER TABLE budget_history DROP CONSTRAINT budget_history_pkey;
ALTER TABLE budget_history ADD PRIMARY KEY (year);
ALTER TABLE budget_history DROP COLUMN recorded_at;
ALTER TABLE budget_history DROP COLUMN version;
DELETE FROM expenses WHERE version > 1;
ALTER TABLE expenses DROP CONSTRAINT expenses_pkey;
ALTER TABLE expenses ADD PRIMARY KEY (year, invoice);
ALTER TABLE expenses DROP COLUMN version;
DROP TABLE zones;
