#pragma once
// A circuit breaker for one destination: closed (requests pass) → open after `failures` failures
// within `window` (requests are refused, so the router skips the destination without waiting on
// it) → half-open after `cooldown` (one probe request at a time passes) → closed again when a
// probe succeeds, or open again when it fails. The clock is a parameter, so the state machine is
// tested with a fake one. Thread-safe; the closed, failure-free state costs one atomic load.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>

#include "config/route.hpp"

namespace sluice::routing {

using Clock = std::chrono::steady_clock;

class CircuitBreaker {
 public:
  enum class State : std::uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

  // Whether a request may be sent now; in half-open, takes the single probe slot.
  bool try_acquire(const config::BreakerPolicy& policy, Clock::time_point now);
  // Whether try_acquire would refuse now, without taking anything (used to order destinations).
  bool rejects(const config::BreakerPolicy& policy, Clock::time_point now) const;
  void record_success(const config::BreakerPolicy& policy, Clock::time_point now);
  void record_failure(const config::BreakerPolicy& policy, Clock::time_point now);

  State state(const config::BreakerPolicy& policy, Clock::time_point now) const;
  // How long until an open breaker lets a probe through (zero when it would now).
  Clock::duration reopens_in(const config::BreakerPolicy& policy, Clock::time_point now) const;
  std::uint64_t times_opened() const { return opened_total_.load(std::memory_order_relaxed); }

 private:
  State state_locked(const config::BreakerPolicy& policy, Clock::time_point now) const;
  void open_locked(Clock::time_point now);

  mutable std::mutex mutex_;
  // Lock-free fast path: closed with no failure on record.
  std::atomic<bool> quiet_{true};
  State state_ = State::kClosed;
  std::deque<Clock::time_point> failures_;  // within the window, oldest first
  Clock::time_point opened_at_{};
  bool probe_out_ = false;
  Clock::time_point probe_started_{};
  std::atomic<std::uint64_t> opened_total_{0};
};

std::string_view state_name(CircuitBreaker::State s);

}  // namespace sluice::routing
