#pragma once
// The Lua scripts behind the response cache in Redis (cache/response_cache.hpp), run by
// RedisLimiter's thread on its connection: one round trip per lookup, shared with whatever else
// waits in the batch. Values are zstd-compressed answers (cache/cached_answer.hpp); Redis keeps
// their TTL. Keys: sluice:cache:<endpoint>:<scope>:<sha-256 hex>.

namespace sluice::stores::redis {

// KEYS: the entry. Returns {value} or {} when there is none.
constexpr const char* kCacheGetScript = R"lua(
local v = redis.call('GET', KEYS[1])
if v then return {v} end
return {}
)lua";

// KEYS: the entry. ARGV: the value, its TTL in ms. Returns {}.
constexpr const char* kCacheSetScript = R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {}
)lua";

// ARGV: a SCAN MATCH pattern, then '1' to delete what matches or '0' to count it.
// Returns {count}. Walks the keyspace in steps of 1000 inside one call: an admin action.
constexpr const char* kCacheScanScript = R"lua(
local cursor = '0'
local n = 0
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    if ARGV[2] == '1' then redis.call('UNLINK', k) end
    n = n + 1
  end
until cursor == '0'
return {tostring(n)}
)lua";

}  // namespace sluice::stores::redis
