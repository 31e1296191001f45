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

 private:
  struct Job {
    std::vector<stores::LimitWant> wants;  // empty: a settle
    std::int64_t now_ms = 0;
    Done done;
    std::string settle_key;
    double settle_delta = 0;
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
  std::chrono::steady_clock::time_point retry_at_{};

  std::mutex mutex_;
  std::condition_variable has_work_;
  std::vector<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::stores::redis
