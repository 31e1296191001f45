-- The payload log (request_log: in the config): one row per logged request, its prompt and
-- answer as the guardrails left them. Never a key or a header.
CREATE TABLE request_log (
  id                 INTEGER PRIMARY KEY,
  ts_ms              INTEGER NOT NULL,
  request_id         TEXT NOT NULL,
  api                TEXT NOT NULL DEFAULT '',
  method             TEXT NOT NULL DEFAULT '',
  path               TEXT NOT NULL DEFAULT '',
  endpoint           TEXT NOT NULL DEFAULT '',
  route              TEXT NOT NULL DEFAULT '',
  provider           TEXT NOT NULL DEFAULT '',
  model              TEXT NOT NULL DEFAULT '',
  key_id             TEXT NOT NULL DEFAULT '',
  team               TEXT NOT NULL DEFAULT '',
  user_name          TEXT NOT NULL DEFAULT '',
  status             INTEGER NOT NULL,
  stream             INTEGER NOT NULL DEFAULT 0,
  latency_ms         REAL NOT NULL DEFAULT 0,
  ttft_ms            REAL,
  prompt_tokens      INTEGER NOT NULL DEFAULT 0,
  completion_tokens  INTEGER NOT NULL DEFAULT 0,
  cost_usd           REAL NOT NULL DEFAULT 0,
  cache_hit          INTEGER NOT NULL DEFAULT 0,
  error              TEXT NOT NULL DEFAULT '',
  attempts           TEXT NOT NULL DEFAULT '[]',
  guardrails         TEXT NOT NULL DEFAULT '',
  trace_id           TEXT NOT NULL DEFAULT '',
  prompt             TEXT,
  answer             TEXT,
  truncated          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX request_log_by_time ON request_log (ts_ms);
CREATE INDEX request_log_by_id ON request_log (request_id);
