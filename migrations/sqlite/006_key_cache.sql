-- A key's own response-cache settings (config::KeyCache as JSON); NULL: the endpoint's.
ALTER TABLE keys ADD COLUMN cache TEXT;
