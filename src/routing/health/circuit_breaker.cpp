#include "routing/health/circuit_breaker.hpp"

namespace sluice::routing {

std::string_view state_name(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::State CircuitBreaker::state_locked(const config::BreakerPolicy& policy,
                                                   Clock::time_point now) const {
  if (state_ == State::kOpen && now - opened_at_ >= policy.cooldown) return State::kHalfOpen;
  return state_;
}

void CircuitBreaker::open_locked(Clock::time_point now) {
  state_ = State::kOpen;
  opened_at_ = now;
  probe_out_ = false;
  failures_.clear();
  quiet_.store(false, std::memory_order_relaxed);
  opened_total_.fetch_add(1, std::memory_order_relaxed);
}

bool CircuitBreaker::try_acquire(const config::BreakerPolicy& policy, Clock::time_point now) {
  if (policy.failures == 0 || quiet_.load(std::memory_order_relaxed)) return true;
  std::lock_guard lock(mutex_);
  switch (state_locked(policy, now)) {
    case State::kClosed:
      return true;
    case State::kOpen:
      return false;
    case State::kHalfOpen:
      // A probe whose answer never came back (its client went away) must not block the
      // destination forever: after another cooldown a new probe may go.
      if (probe_out_ && now - probe_started_ < policy.cooldown) return false;
      state_ = State::kHalfOpen;
      probe_out_ = true;
      probe_started_ = now;
      return true;
  }
  return true;
}

bool CircuitBreaker::rejects(const config::BreakerPolicy& policy, Clock::time_point now) const {
  if (policy.failures == 0 || quiet_.load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(mutex_);
  switch (state_locked(policy, now)) {
    case State::kClosed:
      return false;
    case State::kOpen:
      return true;
    case State::kHalfOpen:
      return probe_out_ && now - probe_started_ < policy.cooldown;
  }
  return false;
}

void CircuitBreaker::record_success(const config::BreakerPolicy& policy, Clock::time_point now) {
  if (quiet_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mutex_);
  switch (state_locked(policy, now)) {
    case State::kOpen:
      return;  // a request sent before the breaker opened; the probe decides
    case State::kHalfOpen:
      if (!probe_out_) return;
      state_ = State::kClosed;  // the probe came back fine
      probe_out_ = false;
      failures_.clear();
      break;
    case State::kClosed:
      // Successes do not wipe the record: N failures within the window open the breaker even
      // when successes come in between (a destination failing 30% of the time is unhealthy).
      while (!failures_.empty() && now - failures_.front() > policy.window) failures_.pop_front();
      break;
  }
  if (failures_.empty()) quiet_.store(true, std::memory_order_relaxed);
}

void CircuitBreaker::record_failure(const config::BreakerPolicy& policy, Clock::time_point now) {
  if (policy.failures == 0) return;
  std::lock_guard lock(mutex_);
  switch (state_locked(policy, now)) {
    case State::kOpen:
      return;  // a request sent before the breaker opened; it changes nothing
    case State::kHalfOpen:
      if (probe_out_) open_locked(now);  // the probe failed
      return;
    case State::kClosed:
      break;
  }
  quiet_.store(false, std::memory_order_relaxed);
  while (!failures_.empty() && now - failures_.front() > policy.window) failures_.pop_front();
  failures_.push_back(now);
  if (failures_.size() >= policy.failures) open_locked(now);
}

CircuitBreaker::State CircuitBreaker::state(const config::BreakerPolicy& policy,
                                            Clock::time_point now) const {
  if (quiet_.load(std::memory_order_relaxed)) return State::kClosed;
  std::lock_guard lock(mutex_);
  return state_locked(policy, now);
}

Clock::duration CircuitBreaker::reopens_in(const config::BreakerPolicy& policy,
                                           Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  if (state_ != State::kOpen) return Clock::duration::zero();
  auto left = opened_at_ + policy.cooldown - now;
  return left > Clock::duration::zero() ? left : Clock::duration::zero();
}

}  // namespace sluice::routing
