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

// ARGV: a SCAN cursor, a MATCH pattern, then '1' to delete what matches or '0' to count it.
// Returns {next cursor, count}: one SCAN step of 1000 keys, so Redis serves everyone else
// between steps ('0': the walk is over).
constexpr const char* kCacheScanScript = R"lua(
local r = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', 1000)
if ARGV[3] == '1' then
  for _, k in ipairs(r[2]) do redis.call('UNLINK', k) end
end
return {r[1], tostring(#r[2])}
)lua";

}  // namespace sluice::stores::redis
