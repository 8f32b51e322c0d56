-- A mail is marked sent only after the relay accepted it, so a crash at
-- the wrong moment costs a resend (same Message-ID), never a loss (issue
-- 11). in_doubt: an attempt may have handed this unsent row to the relay
-- (it was in flight when the attempt ended); resends: how many times it
-- was sent again after that, for operators to see.
-- +goose Up
ALTER TABLE mail_log
    ADD COLUMN in_doubt boolean NOT NULL DEFAULT false,
    ADD COLUMN resends  int     NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE mail_log DROP COLUMN resends, DROP COLUMN in_doubt;
