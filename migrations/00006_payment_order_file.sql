-- The call's payment-order workbook is rewritten after ledger changes;
-- concurrent changes share one rewrite (group commit) instead of one
-- each (issue 7: 4,000 rewrites of up to 2,000 rows cost the worker more
-- CPU than everything else in a 1,000-grant call).
-- +goose Up
CREATE TABLE payment_order_files (
    call_id text PRIMARY KEY REFERENCES calls (call_id),
    changed bigint NOT NULL DEFAULT 0,  -- bumped with every ledger change of the call
    written bigint NOT NULL DEFAULT 0   -- the last `changed` the file on disk includes
);

-- +goose Down
DROP TABLE payment_order_files;
