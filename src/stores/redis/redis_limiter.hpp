#pragma once
// Sliding-window limit counters in Redis, shared by every gateway replica that uses the same
// server (`stores.redis`). The decision is the in-process one (stores::decide_limits); Redis
// keeps the window counts, and one Lua script per request reads them and, only if every limit
// fits, takes the amounts, atomically.
//
// One connection on its own thread. Requests queue their scripts; the thread writes everything
// waiting in one batch and then reads the answers (pipelining), so a request costs one command
// in one round trip shared with whatever else was waiting, and no event loop ever blocks on
// Redis. Settling a token reservation is one more command, queued without waiting for it, and
// merged with the other settles of the same window waiting in the batch.
// Keys: sluice:lim:<counter>:<window index>, expiring two windows after their own.
//
// The same thread runs the budget scripts (stores/redis/budget_scripts.hpp) for
// governance/shared_holds: budget reservations every replica sees at once; and the response
// cache's (stores/redis/cache_scripts.hpp).

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model/error.hpp"
#include "stores/limiter.hpp"
#include "util/store_urls.hpp"

struct redisContext;

namespace sluice::stores::redis {

using util::parse_redis_url;  // util/store_urls.hpp
using util::RedisAddress;

class RedisLimiter {
 public:
  // nullopt: Redis could not be asked (down, timed out); the caller fails open or closed.
  using Done = std::function<void(std::optional<stores::LimitDecision>)>;

  explicit RedisLimiter(RedisAddress address);
  ~RedisLimiter();
  RedisLimiter(const RedisLimiter&) = delete;
  RedisLimiter& operator=(const RedisLimiter&) = delete;

  // Calls `done` on the limiter's thread.
  void acquire(std::vector<stores::LimitWant> wants, std::int64_t now_ms, Done done);
  void settle(const stores::Reservation& reservation, std::int64_t real_amount);

  // One of the scripts below, with its keys then its arguments (`keys` of them are keys). The
  // answer, an array of strings, reaches `done` on the limiter's thread; nullopt: Redis could not
  // be asked or answered otherwise. A null `done` sends the script without waiting for it.
  enum class Script { kBudgetReserve, kBudgetSettle, kCacheGet, kCacheSet, kCacheScan, kCount };
  using ScriptDone = std::function<void(std::optional<std::vector<std::string>>)>;
  void eval(Script script, std::vector<std::string> keys_then_args, std::size_t keys,
            ScriptDone done);

 private:
  struct Job {
    std::vector<stores::LimitWant> wants;  // empty: a settle (or a script)
    std::int64_t now_ms = 0;
    Done done;
    std::string settle_key;
    double settle_delta = 0;
    // With a script: what eval() was given.
    std::optional<Script> script{};
    std::vector<std::string> script_args{};
    std::size_t script_keys = 0;
    ScriptDone script_done{};
  };
  void run();
  bool connect();
  void disconnect();
  void fail(std::vector<Job>& jobs, std::size_t from);
  static void merge_settles(std::vector<Job>& jobs);

  RedisAddress address_;
  redisContext* ctx_ = nullptr;
  std::string acquire_sha_;
  std::string settle_sha_;
  std::string script_sha_[static_cast<std::size_t>(Script::kCount)];
  std::chrono::steady_clock::time_point retry_at_{};

  std::mutex mutex_;
  std::condition_variable has_work_;
  std::vector<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::stores::redis
