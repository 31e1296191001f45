#pragma once
// The Lua scripts behind budget reservations shared by replicas (governance/shared_holds.hpp),
// run by RedisLimiter's thread. Numbers travel as strings both ways (Lua would truncate a number
// returned as such to an integer).
//
// Keys, per budget subject (a key id, team, … in a scope, per day or month):
//   sluice:bud:h:…  the holds of requests in flight on every replica: a hash with one field per
//                   request, "usd tokens deadline_ms". A field past its deadline (a replica that
//                   died, a settle that never arrived) is dropped by the next reservation, so a
//                   lost hold costs nothing after its deadline, and no total can drift.
//   sluice:bud:s:…:<day or month>  what was spent through Redis in that period (fields usd and
//                   tokens), expiring after it.

namespace sluice::stores::redis {

// KEYS: per subject, its held key then its spent key.
// ARGV: want_usd, want_tokens, now_ms, deadline_ms, the request's field, then per budget:
// its subject (1-based), limit_usd (-1: none), limit_tokens (-1: none), and spent_usd and
// spent_tokens as the replica's own view has them (the larger of that and Redis's counts is
// used: Redis knows only what was spent since its key was made). Several budgets may share a
// subject (a key's own budget and a config budget on keys): each is checked, the subject held
// once.
// Returns {'0'} when every budget had room and each subject now holds the want; else, for the
// first without, {'1', budget (1-based), 'usd' or 'tokens', spent_usd, held_usd, spent_tokens,
// held_tokens}.
constexpr const char* kBudgetReserveScript = R"lua(
local want_usd = tonumber(ARGV[1])
local want_tokens = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local subjects = #KEYS / 2
local held_usd, held_tokens = {}, {}
for j = 1, subjects do
  local usd, tokens = 0, 0
  local entries = redis.call('HGETALL', KEYS[2 * j - 1])
  for k = 1, #entries, 2 do
    local u, t, deadline = string.match(entries[k + 1], '^(%S+) (%S+) (%S+)$')
    if u == nil or tonumber(deadline) == nil or tonumber(deadline) <= now then
      redis.call('HDEL', KEYS[2 * j - 1], entries[k])
    else
      usd = usd + (tonumber(u) or 0)
      tokens = tokens + (tonumber(t) or 0)
    end
  end
  held_usd[j] = usd
  held_tokens[j] = tokens
end
local function fits(used, want, limit)
  if want > 0 then return used + want <= limit end
  return used < limit
end
local budgets = (#ARGV - 5) / 5
for i = 1, budgets do
  local base = 5 + (i - 1) * 5
  local j = tonumber(ARGV[base + 1])
  local limit_usd = tonumber(ARGV[base + 2])
  local limit_tokens = tonumber(ARGV[base + 3])
  local spent_usd = math.max(tonumber(redis.call('HGET', KEYS[2 * j], 'usd') or '0'),
                             tonumber(ARGV[base + 4]))
  local spent_tokens = math.max(tonumber(redis.call('HGET', KEYS[2 * j], 'tokens') or '0'),
                                tonumber(ARGV[base + 5]))
  local unit = nil
  if limit_usd >= 0 and not fits(spent_usd + held_usd[j], want_usd, limit_usd) then
    unit = 'usd'
  elseif limit_tokens >= 0 and
         not fits(spent_tokens + held_tokens[j], want_tokens, limit_tokens) then
    unit = 'tokens'
  end
  if unit then
    return {'1', tostring(i), unit, tostring(spent_usd), tostring(held_usd[j]),
            tostring(spent_tokens), tostring(held_tokens[j])}
  end
end
if want_usd > 0 or want_tokens > 0 then
  local entry = ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[4]
  for j = 1, subjects do
    redis.call('HSET', KEYS[2 * j - 1], ARGV[5], entry)
    redis.call('PEXPIREAT', KEYS[2 * j - 1], ARGV[4])
  end
end
return {'0'}
)lua";

// KEYS: per subject, its held key then its spent key (of the period the request ended in).
// ARGV: the request's field, real_usd, real_tokens, then per subject: its spent key's ttl_ms.
// Gives back the request's hold and adds what it spent. Returns {}.
constexpr const char* kBudgetSettleScript = R"lua(
local subjects = #KEYS / 2
local real_usd = tonumber(ARGV[2])
local real_tokens = tonumber(ARGV[3])
for j = 1, subjects do
  redis.call('HDEL', KEYS[2 * j - 1], ARGV[1])
  if real_usd > 0 or real_tokens > 0 then
    redis.call('HINCRBYFLOAT', KEYS[2 * j], 'usd', ARGV[2])
    redis.call('HINCRBYFLOAT', KEYS[2 * j], 'tokens', ARGV[3])
    redis.call('PEXPIRE', KEYS[2 * j], ARGV[3 + j])
  end
end
return {}
)lua";

}  // namespace sluice::stores::redis
