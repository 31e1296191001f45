-- /v1/responses answers kept for previous_response_id and GET /v1/responses/{id} when
-- `stores.responses` is on. Expired rows are never read and are removed by the next write.
CREATE TABLE responses (
  id            TEXT PRIMARY KEY,
  owner         TEXT NOT NULL,   -- gateway key id; '' when keys are off
  endpoint      TEXT NOT NULL,
  created_at    BIGINT NOT NULL,   -- unix seconds
  expires_at    BIGINT NOT NULL,   -- unix seconds
  conversation  TEXT NOT NULL,     -- JSON array of chat messages, this answer included
  response      TEXT NOT NULL      -- the Response object
);
CREATE INDEX responses_by_expiry ON responses (expires_at);
