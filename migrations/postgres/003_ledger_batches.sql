-- Ledger batches already committed, by a digest of their records. A writer that lost its
-- connection during COMMIT cannot tell whether the batch landed; when it retries, the digest is
-- found here and the batch is not written twice. Rows older than a day are pruned by the writers.
CREATE TABLE ledger_batches (
  digest        TEXT PRIMARY KEY,
  committed_ms  BIGINT NOT NULL
);
CREATE INDEX ledger_batches_by_time ON ledger_batches (committed_ms);
