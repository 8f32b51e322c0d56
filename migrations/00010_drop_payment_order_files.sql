-- The payment-order workbook is no longer kept in OUTPUT_DIR and rewritten
-- after every ledger change (issue 13: thousands of rewrites of a
-- 2,000-row workbook were most of the worker's CPU in the grant stage);
-- finance gets it on demand from the ledger (`starter payments export`),
-- so the rewrite counters of 00006 have nothing left to count.
-- +goose Up
DROP TABLE payment_order_files;

-- +goose Down
CREATE TABLE payment_order_files (
    call_id text PRIMARY KEY REFERENCES calls (call_id),
    changed bigint NOT NULL DEFAULT 0,  -- bumped with every ledger change of the call
    written bigint NOT NULL DEFAULT 0   -- the last `changed` the file on disk includes
);
