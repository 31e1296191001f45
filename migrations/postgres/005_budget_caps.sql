-- Budgets in tokens as well as dollars, and what a request past one gets (on_exceed: refuse,
-- clamp or fallback to an endpoint). The daily sums gain tokens (prompt + completion), which a
-- token budget is checked against; this month's days are summed from the ledger (budgets look no
-- further back, and summing the whole ledger under the table locks could take long).
ALTER TABLE budgets ALTER COLUMN usd DROP NOT NULL;
ALTER TABLE budgets ADD COLUMN tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE budgets ADD COLUMN on_exceed TEXT NOT NULL DEFAULT 'refuse';
ALTER TABLE budgets ADD COLUMN fallback TEXT NOT NULL DEFAULT '';
ALTER TABLE spend_daily ADD COLUMN tokens BIGINT NOT NULL DEFAULT 0;
UPDATE spend_daily s SET tokens = l.tokens FROM (
  SELECT ts_ms / 86400000 AS day, key_id, team, user_name, endpoint, provider,
         SUM(prompt_tokens + completion_tokens) AS tokens
  FROM ledger
  WHERE ts_ms >= (extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC')) * 1000)::bigint
  GROUP BY 1, 2, 3, 4, 5, 6) l
WHERE s.day = l.day AND s.key_id = l.key_id AND s.team = l.team AND s.user_name = l.user_name
  AND s.endpoint = l.endpoint AND s.provider = l.provider;
