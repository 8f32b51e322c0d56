-- Staff sign-in through OpenID Connect (issue 15): a sign-in under way
-- (the state sent to the provider, its nonce and PKCE verifier, for ten
-- minutes), and the sessions it opens. Both are kept by their SHA-256
-- only: the cookie and the state are secrets. PostgreSQL holds them, so
-- any portal instance continues what another began.
-- +goose Up
CREATE TABLE sign_ins (
    state_hash bytea       PRIMARY KEY,
    nonce      text        NOT NULL,
    verifier   text        NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE sessions (
    session_hash bytea       PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users,
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);

-- +goose Down
DROP TABLE sessions;
DROP TABLE sign_ins;
