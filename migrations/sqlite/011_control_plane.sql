-- The control plane: endpoints and routes made through the admin API (their JSON as in the
-- config file), provider secrets sealed with AES-256-GCM (never in clear), and the audit trail.
CREATE TABLE config_objects (
  kind        TEXT NOT NULL,
  name        TEXT NOT NULL,
  workspace   TEXT NOT NULL DEFAULT '',
  body        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE TABLE secrets (
  name        TEXT PRIMARY KEY,
  workspace   TEXT NOT NULL DEFAULT '',
  key_id      TEXT NOT NULL,
  nonce       TEXT NOT NULL,
  ciphertext  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE audit (
  id           INTEGER PRIMARY KEY,
  ts_ms        INTEGER NOT NULL,
  actor        TEXT NOT NULL,
  action       TEXT NOT NULL,
  kind         TEXT NOT NULL,
  name         TEXT NOT NULL,
  workspace    TEXT NOT NULL DEFAULT '',
  before_json  TEXT NOT NULL DEFAULT '',
  after_json   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit (ts_ms);
INSERT INTO meta (name, value) VALUES ('control_version', 0);
