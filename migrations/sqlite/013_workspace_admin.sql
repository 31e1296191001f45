-- Workspaces, the administration half: a key's role ('admin': it manages its workspace through
-- the admin API), and the workspace of each ledger row and logged request, so spend, usage and
-- the request log can be filtered by it and budgets and limits can have scope: workspace.
ALTER TABLE keys ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
ALTER TABLE request_log ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
