-- Applicants and reviewers sign in by e-mail link (issue 15). A link is
-- kept by the SHA-256 of its token only (the mail holds the token), works
-- once (used_at) and until expires_at. link_requests is what the rate
-- limits count, per address and per client, in PostgreSQL so that every
-- portal instance counts the same requests. It keeps the address and the
-- client as SHA-256 too: a request for an address nobody has leaves no
-- address in clear. Rows older than the limits' window are deleted as
-- new requests come.
-- +goose Up
CREATE TABLE login_links (
    link_hash  bytea       PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users,
    sent_to    text        NOT NULL,               -- the address the link was mailed to
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX login_links_expires ON login_links (expires_at);

CREATE TABLE link_requests (
    address_hash bytea       NOT NULL,
    client_hash  bytea       NOT NULL,
    requested_at timestamptz NOT NULL
);
CREATE INDEX link_requests_address ON link_requests (address_hash, requested_at);
CREATE INDEX link_requests_client ON link_requests (client_hash, requested_at);
CREATE INDEX link_requests_time ON link_requests (requested_at);

-- +goose Down
DROP TABLE link_requests;
DROP TABLE login_links;
