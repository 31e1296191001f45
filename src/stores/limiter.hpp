#pragma once
// Request and token limits counted in this process, as sliding-window counters: the count of a
// window is the current fixed window's plus the previous one's weighted by how much of it still
// overlaps the sliding window. This is Cloudflare's approximation: O(1) memory per counter,
// no burst of 2× at a window edge (a fixed window's flaw), and it settles token reservations
// simply (a token bucket would have to refill what a reservation over-took).
//
// Token limits reserve before the call (estimated prompt + max_tokens) and settle to the real
// usage after it; a settle lands in the window the reservation was made in.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/governance.hpp"

namespace sluice::stores {

using LimitClock = std::chrono::system_clock;

struct LimitWant {
  std::string counter;  // which count: scope, subject, period and unit
  std::uint64_t limit = 0;
  std::int64_t period_ms = 60'000;
  std::uint64_t amount = 1;
  bool tokens = false;
};

// The state of one limit after a decision, for x-ratelimit-* headers and Retry-After.
struct LimitState {
  bool tokens = false;
  std::uint64_t limit = 0;
  std::uint64_t remaining = 0;
  double reset_s = 0;        // until the current count has fully drained
  double retry_after_s = 0;  // when refused: until the amount would fit
};

struct Reservation {
  std::string counter;
  std::int64_t window = 0;  // window index the amount went into
  std::int64_t amount = 0;
  bool shared = false;  // taken in Redis rather than in this process
};

struct LimitDecision {
  bool allowed = true;
  std::size_t refused = 0;  // index into wants of the first limit that refused
  std::vector<LimitState> states;
  std::vector<Reservation> reservations;  // empty when refused: nothing is taken
};

// The counts of one limit's previous and current fixed windows.
struct WindowCounts {
  double previous = 0;
  double current = 0;
};

// The sliding-window decision for every want from its window counts: shared by the in-process
// counters and the Redis ones (which fetch the counts and take the amounts in one script).
LimitDecision decide_limits(std::span<const LimitWant> wants, std::span<const WindowCounts> counts,
                            std::int64_t now_ms);

// The limit counters, in this process or shared by several (Redis).
class Limiter {
 public:
  // Checks every want and, only if all fit, takes them all (one lock, so it is atomic).
  LimitDecision acquire(std::span<const LimitWant> wants, std::int64_t now_ms);
  // Corrects a token reservation to the real amount.
  void settle(const Reservation& r, std::int64_t real_amount);

 private:
  struct Counter {
    std::int64_t window = 0;
    double previous = 0;
    double current = 0;
  };
  static void roll(Counter& c, std::int64_t window);

  std::mutex mutex_;
  std::unordered_map<std::string, Counter> counters_;
};

}  // namespace sluice::stores
