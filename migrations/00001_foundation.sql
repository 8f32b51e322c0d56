-- Calls, applicants, applications and the mail log (issue 2).
-- +goose Up
CREATE TABLE calls (
    call_id     text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('sud', 'cms', 'hors-appel')),
    year        int  NOT NULL,
    title       text NOT NULL,
    config      jsonb NOT NULL,            -- callspec.Call as the workflow received it
    launched_at timestamptz NOT NULL
);

-- Addresses named in the call config. Written by `starter launch` before
-- the workflow starts, so they never travel through workflow history.
CREATE TABLE call_contacts (
    call_id  text NOT NULL,
    role     text NOT NULL CHECK (role IN ('officer', 'secretariat', 'announce')),
    email    text NOT NULL,
    language text NOT NULL CHECK (language IN ('fr', 'nl', 'en')),
    PRIMARY KEY (call_id, role, email)
);

CREATE TABLE applicants (
    applicant_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    name_key     text NOT NULL UNIQUE,     -- normalized name: one row per organisation
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Personal data of an application on its way in: the CLI writes it, the
-- workflow's update carries only the token, and the accepting activity
-- moves it into applications in the same transaction. Rows of refused
-- submissions are deleted by the CLI at once; stragglers (a CLI killed
-- mid-import) are deleted by the worker's purge-intake schedule (hourly)
-- once older than INTAKE_RETENTION (default 24 h) and no longer held by
-- a running import (see 00008_intake_purge.sql).
CREATE TABLE intake_inbox (
    token           uuid PRIMARY KEY,
    call_id         text NOT NULL,
    contact_name    text NOT NULL,
    email           text NOT NULL,
    language        text NOT NULL CHECK (language IN ('fr', 'nl', 'en')),
    summary         text NOT NULL,
    duration_months int  NOT NULL,
    iban            text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE applications (
    reference       text PRIMARY KEY,      -- AP-SUD-2024-0007
    call_id         text NOT NULL REFERENCES calls,
    seq             int  NOT NULL,
    applicant_id    bigint NOT NULL REFERENCES applicants,
    title           text NOT NULL,
    dup_key         text NOT NULL,         -- intake.DuplicateKey(association, title)
    region          text NOT NULL,
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    summary         text NOT NULL,
    duration_months int  NOT NULL,
    contact_name    text NOT NULL,
    email           text NOT NULL,
    language        text NOT NULL CHECK (language IN ('fr', 'nl', 'en')),
    iban            text,
    status          text NOT NULL DEFAULT 'submitted',
    submitted_at    timestamptz NOT NULL,
    UNIQUE (call_id, seq),
    UNIQUE (call_id, dup_key)
);

-- Outbox and log of every mail. business_key (call, application, event) is
-- what makes a mail happen once: enqueueing twice is a no-op.
CREATE TABLE mail_log (
    mail_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_key text NOT NULL UNIQUE,
    call_id      text,
    reference    text,
    kind         text NOT NULL,
    recipient    text NOT NULL,
    language     text NOT NULL,
    subject      text NOT NULL,
    body_text    text NOT NULL,
    body_html    text NOT NULL,
    message_id   text NOT NULL UNIQUE,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts     int  NOT NULL DEFAULT 0,
    claim_token  uuid,
    claimed_at   timestamptz,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX mail_log_unsent ON mail_log (call_id, mail_id) WHERE status IN ('pending', 'sending');

-- +goose Down
DROP TABLE mail_log;
DROP TABLE applications;
DROP TABLE intake_inbox;
DROP TABLE applicants;
DROP TABLE call_contacts;
DROP TABLE calls;
