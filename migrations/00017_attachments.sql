-- Attachments (issue 16): the files an applicant sends with its
-- application (statutes, budget) and with its final report, kept in
-- PostgreSQL beside the application they belong to, so a backup of the
-- database is a backup of the files. The type is the one found in the
-- content (PDF, XLSX, DOCX, ODS), never the name's; the name is kept
-- sanitised (no path, no control characters, bounded) only to offer it
-- back on download. One row per application, field and content: a
-- retried upload of the same file finds its row instead of adding one.
-- +goose Up
CREATE TABLE attachments (
    attachment_id bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference     text        NOT NULL REFERENCES applications,
    field         text        NOT NULL CHECK (field IN ('statutes', 'budget', 'report')),
    file_name     text        NOT NULL CHECK (file_name <> '' AND char_length(file_name) <= 120),
    media_type    text        NOT NULL CHECK (media_type IN (
                      'application/pdf',
                      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                      'application/vnd.oasis.opendocument.spreadsheet')),
    size_bytes    bigint      NOT NULL CHECK (size_bytes > 0),
    sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content       bytea       NOT NULL CHECK (octet_length(content) = size_bytes),
    uploaded_by   text        NOT NULL,   -- users.user_id, or "system:<program>"
    uploaded_at   timestamptz NOT NULL,
    UNIQUE (reference, field, sha256)
);

-- +goose Down
DROP TABLE attachments;
