-- What the guardrails did to a request: a JSON array of {name, action, entity, on, count}
-- (never a value found); empty when none acted.
ALTER TABLE ledger ADD COLUMN guardrails TEXT NOT NULL DEFAULT '';
