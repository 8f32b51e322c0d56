-- People and their personal access tokens (issue 15). A user is staff
-- (signed in through the office's OpenID Connect provider: oidc_subject)
-- or an applicant/reviewer (signed in by e-mail link). A token is shown
-- once and kept only as its SHA-256; it expires and can be revoked.
-- +goose Up
CREATE TABLE users (
    user_id      uuid        PRIMARY KEY,
    name         text        NOT NULL CHECK (name <> ''),
    email        text        NOT NULL UNIQUE,
    oidc_subject text        UNIQUE,
    applicant_id bigint      REFERENCES applicants,      -- an applicant's organisation
    created_at   timestamptz NOT NULL DEFAULT now(),
    disabled_at  timestamptz
);

CREATE TABLE user_roles (
    user_id    uuid        NOT NULL REFERENCES users,
    role       text        NOT NULL CHECK (role IN ('officer', 'finance', 'manager', 'reviewer', 'applicant', 'admin')),
    granted_by text        NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role)
);

-- A reviewer sees the calls assigned to it, after declaring its conflicts.
CREATE TABLE reviewer_assignments (
    user_id     uuid        NOT NULL REFERENCES users,
    call_id     text        NOT NULL REFERENCES calls,
    declared_at timestamptz,
    PRIMARY KEY (user_id, call_id)
);

CREATE TABLE access_tokens (
    token_id     uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users,
    name         text        NOT NULL,
    secret_hash  bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- +goose Down
DROP TABLE access_tokens;
DROP TABLE reviewer_assignments;
DROP TABLE user_roles;
DROP TABLE users;
