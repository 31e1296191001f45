-- Budgets made through the admin API or `sluice budgets` (budgets in the config stay there).
-- Changing one bumps the same version counter as keys, so every gateway reloads both.
CREATE TABLE budgets (
  id          TEXT PRIMARY KEY,
  scope       TEXT NOT NULL,             -- key, team, user, endpoint, provider or global
  subject     TEXT NOT NULL DEFAULT '',  -- the key id, team, … it limits; '' = each one apart
  usd         REAL NOT NULL,
  per         TEXT NOT NULL,             -- day or month (UTC)
  alert_at    REAL NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
