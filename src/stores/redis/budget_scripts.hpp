#pragma once
// The Lua scripts behind budget reservations shared by replicas (governance/shared_holds.hpp),
// run by RedisLimiter's thread. Numbers travel as strings both ways (Lua would truncate a number
// returned as such to an integer).
//
// Keys, per budget subject: sluice:bud:h:… holds the worst cases in flight on every replica
// (hash fields usd and tokens; it expires an hour after the last reservation, so the holds of a
// replica that died are dropped then), and sluice:bud:s:…:<day or month> what was spent through
// Redis in that period (expiring after it).

namespace sluice::stores::redis {

// KEYS: per hold, its held key then its spent key.
// ARGV: want_usd, want_tokens, hold_ttl_ms, then per hold: limit_usd (-1: none),
// limit_tokens (-1: none), spent_usd and spent_tokens as the replica's own view has them (the
// larger of that and Redis's counts: Redis knows only what was spent since its key was made).
// Returns {'0'} when every hold had room and now holds the want; else, for the first without,
// {'1', index (1-based), 'usd' or 'tokens', spent_usd, held_usd, spent_tokens, held_tokens}.
constexpr const char* kBudgetReserveScript = R"lua(
local want_usd = tonumber(ARGV[1])
local want_tokens = tonumber(ARGV[2])
local n = #KEYS / 2
local function fits(used, want, limit)
  if want > 0 then return used + want <= limit end
  return used < limit
end
for i = 1, n do
  local base = 3 + (i - 1) * 4
  local limit_usd = tonumber(ARGV[base + 1])
  local limit_tokens = tonumber(ARGV[base + 2])
  local spent_usd = math.max(tonumber(redis.call('HGET', KEYS[2 * i], 'usd') or '0'),
                             tonumber(ARGV[base + 3]))
  local spent_tokens = math.max(tonumber(redis.call('HGET', KEYS[2 * i], 'tokens') or '0'),
                                tonumber(ARGV[base + 4]))
  local held_usd = tonumber(redis.call('HGET', KEYS[2 * i - 1], 'usd') or '0')
  local held_tokens = tonumber(redis.call('HGET', KEYS[2 * i - 1], 'tokens') or '0')
  local unit = nil
  if limit_usd >= 0 and not fits(spent_usd + held_usd, want_usd, limit_usd) then
    unit = 'usd'
  elseif limit_tokens >= 0 and not fits(spent_tokens + held_tokens, want_tokens, limit_tokens) then
    unit = 'tokens'
  end
  if unit then
    return {'1', tostring(i), unit, tostring(spent_usd), tostring(held_usd),
            tostring(spent_tokens), tostring(held_tokens)}
  end
end
if want_usd > 0 or want_tokens > 0 then
  for i = 1, n do
    redis.call('HINCRBYFLOAT', KEYS[2 * i - 1], 'usd', ARGV[1])
    redis.call('HINCRBYFLOAT', KEYS[2 * i - 1], 'tokens', ARGV[2])
    redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[3])
  end
end
return {'0'}
)lua";

// KEYS: per hold, its held key then its spent key (of the period the request ended in).
// ARGV: held_usd, held_tokens, real_usd, real_tokens, then per hold: its spent key's ttl_ms.
// Gives back what the request held and adds what it spent. Returns {}.
constexpr const char* kBudgetSettleScript = R"lua(
local n = #KEYS / 2
local real_usd = tonumber(ARGV[3])
local real_tokens = tonumber(ARGV[4])
for i = 1, n do
  local held = KEYS[2 * i - 1]
  if redis.call('EXISTS', held) == 1 then
    local usd = tonumber(redis.call('HINCRBYFLOAT', held, 'usd', -tonumber(ARGV[1])))
    local tokens = tonumber(redis.call('HINCRBYFLOAT', held, 'tokens', -tonumber(ARGV[2])))
    if usd < 1e-9 and tokens < 0.5 then redis.call('DEL', held) end
  end
  if real_usd > 0 or real_tokens > 0 then
    redis.call('HINCRBYFLOAT', KEYS[2 * i], 'usd', ARGV[3])
    redis.call('HINCRBYFLOAT', KEYS[2 * i], 'tokens', ARGV[4])
    redis.call('PEXPIRE', KEYS[2 * i], ARGV[4 + i])
  end
end
return {}
)lua";

}  // namespace sluice::stores::redis
