#include "routing/health/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace sluice::routing {
namespace {

using std::chrono::seconds;
using State = CircuitBreaker::State;

config::BreakerPolicy policy(unsigned failures, int window_s, int cooldown_s) {
  config::BreakerPolicy p;
  p.failures = failures;
  p.window = seconds(window_s);
  p.cooldown = seconds(cooldown_s);
  return p;
}

// A fake clock: the breaker only ever sees the time it is given.
const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);

TEST(CircuitBreaker, OpensAfterNFailuresWithinTheWindow) {
  CircuitBreaker b;
  const auto p = policy(3, 30, 20);
  b.record_failure(p, t0);
  b.record_failure(p, t0 + seconds(10));
  EXPECT_EQ(b.state(p, t0 + seconds(10)), State::kClosed);
  EXPECT_TRUE(b.try_acquire(p, t0 + seconds(10)));
  b.record_failure(p, t0 + seconds(20));
  EXPECT_EQ(b.state(p, t0 + seconds(20)), State::kOpen);
  EXPECT_FALSE(b.try_acquire(p, t0 + seconds(21)));
  EXPECT_TRUE(b.rejects(p, t0 + seconds(21)));
  EXPECT_EQ(b.times_opened(), 1u);
  EXPECT_EQ(b.reopens_in(p, t0 + seconds(30)), seconds(10));
}

TEST(CircuitBreaker, FailuresOutsideTheWindowDoNotCount) {
  CircuitBreaker b;
  const auto p = policy(3, 30, 20);
  b.record_failure(p, t0);
  b.record_failure(p, t0 + seconds(20));
  b.record_failure(p, t0 + seconds(31));  // the first one has left the window
  EXPECT_EQ(b.state(p, t0 + seconds(31)), State::kClosed);
  b.record_failure(p, t0 + seconds(32));
  EXPECT_EQ(b.state(p, t0 + seconds(32)), State::kOpen);
}

TEST(CircuitBreaker, SuccessesInBetweenDoNotResetTheCount) {
  CircuitBreaker b;
  const auto p = policy(3, 30, 20);
  for (int i = 0; i < 3; ++i) {
    b.record_failure(p, t0 + seconds(i));
    b.record_success(p, t0 + seconds(i));
  }
  EXPECT_EQ(b.state(p, t0 + seconds(3)), State::kOpen);
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeThroughAndClosesOnSuccess) {
  CircuitBreaker b;
  const auto p = policy(1, 30, 20);
  b.record_failure(p, t0);
  EXPECT_FALSE(b.try_acquire(p, t0 + seconds(19)));
  EXPECT_EQ(b.state(p, t0 + seconds(20)), State::kHalfOpen);
  EXPECT_FALSE(b.rejects(p, t0 + seconds(20)));
  EXPECT_TRUE(b.try_acquire(p, t0 + seconds(20)));   // the probe
  EXPECT_FALSE(b.try_acquire(p, t0 + seconds(21)));  // only one at a time
  EXPECT_TRUE(b.rejects(p, t0 + seconds(21)));
  b.record_success(p, t0 + seconds(22));
  EXPECT_EQ(b.state(p, t0 + seconds(22)), State::kClosed);
  EXPECT_TRUE(b.try_acquire(p, t0 + seconds(22)));
  EXPECT_TRUE(b.try_acquire(p, t0 + seconds(22)));
}

TEST(CircuitBreaker, AFailedProbeOpensItAgainForAnotherCooldown) {
  CircuitBreaker b;
  const auto p = policy(1, 30, 20);
  b.record_failure(p, t0);
  ASSERT_TRUE(b.try_acquire(p, t0 + seconds(20)));
  b.record_failure(p, t0 + seconds(25));
  EXPECT_EQ(b.state(p, t0 + seconds(26)), State::kOpen);
  EXPECT_FALSE(b.try_acquire(p, t0 + seconds(44)));
  EXPECT_TRUE(b.try_acquire(p, t0 + seconds(45)));
  EXPECT_EQ(b.times_opened(), 2u);
}

TEST(CircuitBreaker, ALostProbeDoesNotBlockForever) {
  CircuitBreaker b;
  const auto p = policy(1, 30, 20);
  b.record_failure(p, t0);
  ASSERT_TRUE(b.try_acquire(p, t0 + seconds(20)));  // its answer never comes back
  EXPECT_FALSE(b.try_acquire(p, t0 + seconds(39)));
  EXPECT_TRUE(b.try_acquire(p, t0 + seconds(40)));
}

TEST(CircuitBreaker, LateAnswersWhileOpenChangeNothing) {
  CircuitBreaker b;
  const auto p = policy(1, 30, 20);
  b.record_failure(p, t0);
  b.record_success(p, t0 + seconds(1));  // a request sent before it opened
  EXPECT_EQ(b.state(p, t0 + seconds(1)), State::kOpen);
  b.record_failure(p, t0 + seconds(2));
  EXPECT_EQ(b.times_opened(), 1u);
  EXPECT_EQ(b.reopens_in(p, t0 + seconds(2)), seconds(18));
}

TEST(CircuitBreaker, OffWhenFailuresIsZero) {
  CircuitBreaker b;
  const auto p = policy(0, 30, 20);
  for (int i = 0; i < 100; ++i) b.record_failure(p, t0);
  EXPECT_TRUE(b.try_acquire(p, t0));
  EXPECT_EQ(b.state(p, t0), State::kClosed);
}

}  // namespace
}  // namespace sluice::routing
