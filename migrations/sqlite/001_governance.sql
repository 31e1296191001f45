-- Gateway keys, the spend ledger, and a version counter the gateways poll to notice key changes
-- made by another process (the CLI, another replica on the same file).
CREATE TABLE keys (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  hash        TEXT NOT NULL UNIQUE,   -- hex HMAC-SHA256(pepper, secret); the secret is never stored
  prefix      TEXT NOT NULL,
  user_name   TEXT NOT NULL DEFAULT '',
  team        TEXT NOT NULL DEFAULT '',
  endpoints   TEXT NOT NULL DEFAULT '[]',  -- JSON list of globs
  models      TEXT NOT NULL DEFAULT '[]',  -- JSON list of globs
  expires_at  INTEGER,                     -- unix seconds
  disabled    INTEGER NOT NULL DEFAULT 0,
  metadata    TEXT NOT NULL DEFAULT '{}',
  limits      TEXT NOT NULL DEFAULT '[]',  -- JSON [{requests, tokens, per}]
  budget      TEXT,                        -- JSON {usd, per, alert_at}
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE ledger (
  id                 INTEGER PRIMARY KEY,
  ts_ms              INTEGER NOT NULL,
  request_id         TEXT NOT NULL,
  key_id             TEXT NOT NULL DEFAULT '',
  team               TEXT NOT NULL DEFAULT '',
  user_name          TEXT NOT NULL DEFAULT '',
  endpoint           TEXT NOT NULL DEFAULT '',
  provider           TEXT NOT NULL DEFAULT '',
  model              TEXT NOT NULL DEFAULT '',
  status             INTEGER NOT NULL,
  prompt_tokens      INTEGER NOT NULL DEFAULT 0,
  completion_tokens  INTEGER NOT NULL DEFAULT 0,
  cached_tokens      INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd           REAL NOT NULL DEFAULT 0,
  priced             INTEGER NOT NULL DEFAULT 1  -- 0: no price known for the model
);
CREATE INDEX ledger_by_time ON ledger (ts_ms);

CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (name, value) VALUES ('keys_version', 0);
