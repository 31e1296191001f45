-- The guardrails a key's requests get besides the endpoint's: a JSON list of names.
ALTER TABLE keys ADD COLUMN guardrails TEXT NOT NULL DEFAULT '[]';
