-- Time to first token of streamed answers, request read to the first content sent, in ms
-- (for /admin/usage's ttft_ms percentiles); NULL for other requests and older records.
ALTER TABLE ledger ADD COLUMN ttft_ms DOUBLE PRECISION;
