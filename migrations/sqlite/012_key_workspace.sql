-- Workspaces: the workspace a key belongs to ('' the default).
ALTER TABLE keys ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
