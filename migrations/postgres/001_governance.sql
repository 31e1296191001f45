-- Gateway keys, the spend ledger, a per-day spend summary and a version counter, shared by every
-- gateway replica that names this database in stores.postgres.
CREATE TABLE keys (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  hash        TEXT NOT NULL UNIQUE,   -- hex HMAC-SHA256(pepper, secret); the secret is never stored
  prefix      TEXT NOT NULL,
  user_name   TEXT NOT NULL DEFAULT '',
  team        TEXT NOT NULL DEFAULT '',
  endpoints   TEXT NOT NULL DEFAULT '[]',  -- JSON list of globs
  models      TEXT NOT NULL DEFAULT '[]',  -- JSON list of globs
  expires_at  BIGINT,                      -- unix seconds
  disabled    BOOLEAN NOT NULL DEFAULT FALSE,
  metadata    TEXT NOT NULL DEFAULT '{}',
  limits      TEXT NOT NULL DEFAULT '[]',  -- JSON [{requests, tokens, per}]
  budget      TEXT,                        -- JSON {usd, per, alert_at}
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE ledger (
  id                 BIGSERIAL PRIMARY KEY,
  ts_ms              BIGINT NOT NULL,
  request_id         TEXT NOT NULL,
  key_id             TEXT NOT NULL DEFAULT '',
  team               TEXT NOT NULL DEFAULT '',
  user_name          TEXT NOT NULL DEFAULT '',
  endpoint           TEXT NOT NULL DEFAULT '',
  provider           TEXT NOT NULL DEFAULT '',
  model              TEXT NOT NULL DEFAULT '',
  status             INTEGER NOT NULL,
  prompt_tokens      BIGINT NOT NULL DEFAULT 0,
  completion_tokens  BIGINT NOT NULL DEFAULT 0,
  cached_tokens      BIGINT NOT NULL DEFAULT 0,
  reasoning_tokens   BIGINT NOT NULL DEFAULT 0,
  cache_write_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd           DOUBLE PRECISION NOT NULL DEFAULT 0,
  priced             BOOLEAN NOT NULL DEFAULT TRUE  -- false: no price known for the model
);
CREATE INDEX ledger_by_time ON ledger (ts_ms);

-- What each replica re-reads every second to see the others' spend: one row per subject and UTC
-- day, kept in the same transaction as the ledger rows it sums, so the two never disagree.
CREATE TABLE spend_daily (
  day        INTEGER NOT NULL,  -- days since the epoch (UTC)
  key_id     TEXT NOT NULL,
  team       TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  endpoint   TEXT NOT NULL,
  provider   TEXT NOT NULL,
  requests   BIGINT NOT NULL,
  cost_usd   DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (day, key_id, team, user_name, endpoint, provider)
);

CREATE TABLE meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta (name, value) VALUES ('keys_version', 0);
