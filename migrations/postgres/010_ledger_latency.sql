-- How long each request took, request read to answer end, in ms (for /admin/usage's latency
-- percentiles); NULL for records written before it was kept.
ALTER TABLE ledger ADD COLUMN latency_ms DOUBLE PRECISION;
