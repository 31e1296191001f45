#pragma once
// What the router knows about one destination endpoint, shared by every worker and every route
// that uses it, and kept across config reloads (looked up by endpoint name, like its metrics):
// requests in flight, a moving average of time to first byte, the circuit breaker and attempt
// counts by outcome.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "routing/health/circuit_breaker.hpp"

namespace sluice::routing {

// How one attempt at a destination ended.
enum class AttemptOutcome : std::uint8_t {
  kSuccess,
  kRateLimited,   // 429
  kClientError,   // other 4xx from the provider, or a request it cannot take
  kServerError,   // 5xx
  kTimeout,       // a phase deadline passed
  kConnectError,  // could not connect, or the connection dropped before an answer
  kStreamError,   // the stream failed after content had been sent to the client
  kCount,
};
std::string_view outcome_name(AttemptOutcome outcome);

class TargetHealth {
 public:
  // Weight of the newest sample in the moving average of time to first byte.
  static constexpr double kLatencyAlpha = 0.3;

  // The state of endpoint `name`; the reference is valid for the whole process.
  static TargetHealth& of(const std::string& name);
  // Every destination known so far, by name (for /metrics and /admin/routes).
  static void for_each(const std::function<void(const std::string&, const TargetHealth&)>& f);

  void observe_first_byte(std::chrono::steady_clock::duration d);
  // Moving average in milliseconds; 0 before the first sample.
  double latency_ms() const { return latency_ms_.load(std::memory_order_relaxed); }
  std::uint64_t latency_samples() const { return samples_.load(std::memory_order_relaxed); }

  void count(AttemptOutcome outcome) {
    attempts_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t attempts(AttemptOutcome outcome) const {
    return attempts_[static_cast<std::size_t>(outcome)].load(std::memory_order_relaxed);
  }

  std::atomic<std::int64_t> in_flight{0};
  CircuitBreaker breaker;

 private:
  std::atomic<double> latency_ms_{0};
  std::atomic<std::uint64_t> samples_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(AttemptOutcome::kCount)>
      attempts_{};
};

// Counts a request in flight at a destination for as long as it lives.
class InFlight {
 public:
  InFlight() = default;
  explicit InFlight(TargetHealth* h) : health_(h) {
    if (health_) health_->in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  InFlight(InFlight&& o) noexcept : health_(o.health_) { o.health_ = nullptr; }
  InFlight& operator=(InFlight&& o) noexcept {
    if (this != &o) {
      release();
      health_ = o.health_;
      o.health_ = nullptr;
    }
    return *this;
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  ~InFlight() { release(); }

 private:
  void release() {
    if (health_) health_->in_flight.fetch_sub(1, std::memory_order_relaxed);
    health_ = nullptr;
  }
  TargetHealth* health_ = nullptr;
};

}  // namespace sluice::routing
