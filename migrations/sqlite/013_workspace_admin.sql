-- Workspaces, the administration half: a key's role ('admin': it manages its workspace through
-- the admin API), and the workspace of each ledger row and logged request, so spend, usage and
-- the request log can be filtered by it and budgets and limits can have scope: workspace.
ALTER TABLE keys ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE request_log ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
-- Rows written before: the workspace of their key where the store holds it (keys of the config
-- file are not in this table; their rows stay in the default workspace).
UPDATE ledger SET workspace = (SELECT k.workspace FROM keys k WHERE k.id = ledger.key_id)
  WHERE key_id IN (SELECT id FROM keys WHERE workspace <> '');
UPDATE request_log SET workspace = (SELECT k.workspace FROM keys k WHERE k.id = request_log.key_id)
  WHERE key_id IN (SELECT id FROM keys WHERE workspace <> '');
