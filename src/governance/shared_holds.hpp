#pragma once
// Budget reservations that every replica sees at once (`stores.redis` with budgets): the holds of
// requests in flight, and what was spent, live in Redis, and one script checks and holds
// atomically for all replicas (stores/redis/budget_scripts.hpp). Without it a replica sees the
// others' spend within a second (the shared ledger) but never their holds, so a burst spread over
// replicas could pass a budget by every replica's worst cases in flight.
//
// What was spent is the larger of the replica's own view (the ledger) and Redis's count, so a
// Redis that lost its data, or a budget newer than its keys, is never laxer than one replica.
// Calls return at once; answers come on the Redis thread.

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "governance/spend_view.hpp"
#include "stores/redis/redis_limiter.hpp"

namespace sluice::governance {

// The verdict: nullopt inside when every hold had room and now holds `want`, else the first
// without; nullopt outside when Redis could not be asked (the caller fails open or closed).
using SharedReserved = std::optional<std::optional<SpendView::Short>>;

// A request's own name for its holds in Redis, unique across replicas and restarts (a client's
// x-request-id is not).
std::string new_hold_id();

// try_reserve across replicas: `local` gives this replica's view of what was spent; the holds
// are kept under `hold_id` until settle_shared or an hour (kSharedHoldTtlMs), whichever is first.
inline constexpr std::int64_t kSharedHoldTtlMs = 3'600'000;
void reserve_shared(stores::redis::RedisLimiter& redis, const SpendView& local,
                    std::span<const SpendView::Hold> holds, SpendView::Amount want,
                    std::int64_t unix_ms, const std::string& hold_id,
                    std::function<void(SharedReserved)> done);

// Gives back the holds of `hold_id` and adds `spent` (the request's real cost) to the period of
// `unix_ms`, on every subject held. Sent without waiting; lost if Redis is down (the ledger still
// has the spend, and the holds lapse at their deadline).
void settle_shared(stores::redis::RedisLimiter& redis, std::span<const SpendView::Hold> holds,
                   const std::string& hold_id, SpendView::Amount spent, std::int64_t unix_ms);

}  // namespace sluice::governance
