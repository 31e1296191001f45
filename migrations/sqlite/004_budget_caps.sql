-- Budgets in tokens as well as dollars, and what a request past one gets (on_exceed: refuse,
-- clamp or fallback to an endpoint). usd becomes optional, which SQLite only allows by
-- rebuilding the table.
CREATE TABLE budgets_new (
  id          TEXT PRIMARY KEY,
  scope       TEXT NOT NULL,             -- key, team, user, endpoint, provider or global
  subject     TEXT NOT NULL DEFAULT '',  -- the key id, team, … it limits; '' = each one apart
  usd         REAL,                      -- NULL: no dollar cap
  tokens      INTEGER NOT NULL DEFAULT 0,  -- 0: no token cap
  per         TEXT NOT NULL,             -- day or month (UTC)
  alert_at    REAL NOT NULL,
  on_exceed   TEXT NOT NULL DEFAULT 'refuse',
  fallback    TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
INSERT INTO budgets_new (id, scope, subject, usd, per, alert_at, created_at, updated_at)
  SELECT id, scope, subject, usd, per, alert_at, created_at, updated_at FROM budgets;
DROP TABLE budgets;
ALTER TABLE budgets_new RENAME TO budgets;
