// Sliding-window limits on a fake clock (acquire takes the time), reservations and settling.
#include "stores/limiter.hpp"

#include <gtest/gtest.h>

namespace sluice::stores {
namespace {

constexpr std::int64_t kMinute = 60'000;
const std::int64_t t0 = 1'000 * kMinute;  // the start of a window

LimitWant requests(std::uint64_t limit) { return {"key:a|minute|r", limit, kMinute, 1, false}; }
LimitWant tokens(std::uint64_t limit, std::uint64_t amount) {
  return {"key:a|minute|t", limit, kMinute, amount, true};
}

TEST(Limiter, AdmitsUpToTheLimitThenRefusesWithRetryAfter) {
  Limiter l;
  const LimitWant want[] = {requests(3)};
  for (int i = 0; i < 3; ++i) {
    auto d = l.acquire(want, t0 + i);
    ASSERT_TRUE(d.allowed);
    EXPECT_EQ(d.states[0].remaining, static_cast<std::uint64_t>(2 - i));
  }
  auto refused = l.acquire(want, t0 + 30'000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_TRUE(refused.reservations.empty());
  // Half-way through: the three slide out over the next window; one slot is free a third of the
  // way into it, 30 s + 20 s from now.
  EXPECT_NEAR(refused.states[0].retry_after_s, 50.0, 0.01);
  EXPECT_FALSE(l.acquire(want, t0 + kMinute + 19'000).allowed);
  EXPECT_TRUE(l.acquire(want, t0 + kMinute + 21'000).allowed);
}

TEST(Limiter, TheSlidingWindowHasNoDoubleBurstAtTheEdge) {
  Limiter l;
  const LimitWant want[] = {requests(10)};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(l.acquire(want, t0 + kMinute - 1000).allowed);
  // A fixed window would admit 10 more right after the edge; the sliding one admits none.
  EXPECT_FALSE(l.acquire(want, t0 + kMinute + 1000).allowed);
  // Two windows later everything has slid out.
  EXPECT_TRUE(l.acquire(want, t0 + 3 * kMinute).allowed);
}

TEST(Limiter, AllOrNothingAcrossLimits) {
  Limiter l;
  const LimitWant both[] = {requests(100), tokens(50, 40)};
  ASSERT_TRUE(l.acquire(both, t0).allowed);
  auto second = l.acquire(both, t0 + 1);
  EXPECT_FALSE(second.allowed);
  EXPECT_EQ(second.refused, 1u);
  // The refused request took no request slot either.
  EXPECT_EQ(second.states[0].remaining, 99u);
}

TEST(Limiter, SettleCorrectsAReservationInItsWindow) {
  Limiter l;
  const LimitWant big[] = {tokens(120, 90)};
  auto d = l.acquire(big, t0);
  ASSERT_TRUE(d.allowed);
  ASSERT_EQ(d.reservations.size(), 1u);
  l.settle(d.reservations[0], 18);  // the provider reported 18: 18 + 90 fits, 90 + 90 would not
  auto again = l.acquire(big, t0 + 10);
  EXPECT_TRUE(again.allowed);
  EXPECT_EQ(again.states[0].remaining, 120u - 18 - 90);
  // A settle after the window moved on lands in the previous window's share.
  l.settle(again.reservations[0], 0);
  auto later = l.acquire(big, t0 + kMinute);  // previous = 18, fully overlapping at the edge
  EXPECT_TRUE(later.allowed);
  EXPECT_EQ(later.states[0].remaining, 120u - 18 - 90);
}

}  // namespace
}  // namespace sluice::stores
