-- The audit log (issue 15): one row per accepted action and per refused
-- attempt, who, as what, did what to which call or grant, when, with a
-- digest of the input and the result. Append-only: the application role
-- may insert and read, nothing else (a trigger refuses UPDATE, DELETE and
-- TRUNCATE whoever asks, and the privileges are revoked), and each row
-- carries the SHA-256 of the one before it, so an edited or deleted row
-- is found by `starter audit verify` even if someone with the database
-- owner's rights went around both. No e-mail address, bank account or
-- free text an applicant wrote: ids, action names, field names and kinds
-- only, so the log can outlive an erasure.
-- +goose Up
CREATE TABLE audit_log (
    seq          bigint      PRIMARY KEY CHECK (seq > 0),  -- 1, 2, 3… without gaps
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,   -- the person (or "system:<program>")
    role         text        NOT NULL,   -- the role the action was taken in
    action       text        NOT NULL,   -- "call.launch", "grant.paid"…
    target       text        NOT NULL,   -- AP-SUD-2030, GRANT-AP-SUD-2030-0002, "" when none
    input_digest text        NOT NULL,   -- SHA-256 (hex) of the action's input as JSON
    result       text        NOT NULL,   -- "ok", or the refusal's kind: refused, not_found…
    detail       text        NOT NULL,   -- refused: the fields named, never their values
    prev_hash    text        NOT NULL,
    hash         text        NOT NULL UNIQUE
);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
