-- Workspaces, the administration half: a key's role ('admin': it manages its workspace through
-- the admin API), and the workspace of each ledger row and logged request, so spend, usage and
-- the request log can be filtered by it and budgets and limits can have scope: workspace.
ALTER TABLE keys ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE request_log ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
-- The per-day sums replicas re-read for budgets count workspaces apart too. (Replicas of an
-- older version cannot write to this table once its key changes: stop them all to upgrade.)
ALTER TABLE spend_daily ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE spend_daily DROP CONSTRAINT spend_daily_pkey;
ALTER TABLE spend_daily ADD PRIMARY KEY (day, key_id, team, user_name, endpoint, provider, workspace);
-- Rows written before: the workspace of their key where the store holds it (keys of the config
-- file are not in this table; their rows stay in the default workspace).
UPDATE ledger l SET workspace = k.workspace FROM keys k WHERE k.id = l.key_id AND k.workspace <> '';
UPDATE request_log r SET workspace = k.workspace FROM keys k
  WHERE k.id = r.key_id AND k.workspace <> '';
UPDATE spend_daily s SET workspace = k.workspace FROM keys k
  WHERE k.id = s.key_id AND k.workspace <> '';
