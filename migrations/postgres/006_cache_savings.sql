-- What a request answered from the response cache would have cost (its cost_usd is 0).
ALTER TABLE ledger ADD COLUMN saved_usd DOUBLE PRECISION NOT NULL DEFAULT 0;
