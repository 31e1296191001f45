#include "routing/backoff.hpp"

#include <gtest/gtest.h>

namespace sluice::routing {
namespace {

using std::chrono::milliseconds;

config::RetryPolicy retry(int base_ms, int max_ms) {
  config::RetryPolicy p;
  p.attempts = 5;
  p.backoff = milliseconds(base_ms);
  p.max_backoff = milliseconds(max_ms);
  return p;
}

TEST(Backoff, CapDoublesUpToTheMaximum) {
  const auto p = retry(100, 2000);
  EXPECT_EQ(backoff_cap(p, 0), milliseconds(100));
  EXPECT_EQ(backoff_cap(p, 1), milliseconds(200));
  EXPECT_EQ(backoff_cap(p, 2), milliseconds(400));
  EXPECT_EQ(backoff_cap(p, 4), milliseconds(1600));
  EXPECT_EQ(backoff_cap(p, 5), milliseconds(2000));
  EXPECT_EQ(backoff_cap(p, 60), milliseconds(2000));  // no overflow on a long chain
}

TEST(Backoff, FullJitterSpreadsOverTheWholeRange) {
  const auto p = retry(100, 2000);
  std::minstd_rand rng(7);
  for (unsigned n = 0; n < 6; ++n) {
    const auto cap = backoff_cap(p, n);
    milliseconds lo = cap, hi{0};
    double sum = 0;
    const int draws = 4000;
    for (int i = 0; i < draws; ++i) {
      const auto d = backoff_delay(p, n, rng);
      ASSERT_GE(d.count(), 0);
      ASSERT_LE(d, cap);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
      sum += static_cast<double>(d.count());
    }
    // Uniform over [0, cap]: the extremes are reached and the mean sits near the middle.
    EXPECT_LE(lo.count(), cap.count() / 20) << n;
    EXPECT_GE(hi.count(), cap.count() * 19 / 20) << n;
    EXPECT_NEAR(sum / draws, cap.count() / 2.0, cap.count() * 0.05) << n;
  }
}

TEST(Backoff, ZeroBaseMeansNoWait) {
  std::minstd_rand rng(1);
  EXPECT_EQ(backoff_delay(retry(0, 0), 3, rng), milliseconds(0));
}

TEST(RetryAfter, GoDurations) {
  EXPECT_EQ(parse_go_duration("1s"), milliseconds(1000));
  EXPECT_EQ(parse_go_duration("6m0s"), milliseconds(360000));
  EXPECT_EQ(parse_go_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_go_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_go_duration("1h2m3s"), milliseconds(3723000));
  EXPECT_FALSE(parse_go_duration(""));
  EXPECT_FALSE(parse_go_duration("5"));
  EXPECT_FALSE(parse_go_duration("5 days"));
  EXPECT_FALSE(parse_go_duration("-1s"));
}

TEST(RetryAfter, ExplicitHeadersWinOverResetHeaders) {
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(provider_retry_after(H{{"Retry-After", "3"}}, 0), milliseconds(3000));
  EXPECT_EQ(provider_retry_after(H{{"retry-after", "3"}, {"retry-after-ms", "120"}}, 0),
            milliseconds(120));
  EXPECT_EQ(provider_retry_after(
                H{{"x-ratelimit-reset-requests", "2s"}, {"x-ratelimit-reset-tokens", "6m0s"}}, 0),
            milliseconds(360000));
  EXPECT_EQ(provider_retry_after(H{{"x-ratelimit-reset-tokens", "6m0s"}, {"Retry-After", "1"}}, 0),
            milliseconds(1000));
  EXPECT_FALSE(provider_retry_after(H{{"content-type", "application/json"}}, 0));
  EXPECT_FALSE(provider_retry_after(H{{"retry-after", "soon"}}, 0));
}

TEST(RetryAfter, HttpDate) {
  using H = std::vector<std::pair<std::string, std::string>>;
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 in Unix time.
  EXPECT_EQ(provider_retry_after(H{{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}, 1445412470),
            milliseconds(10000));
  EXPECT_EQ(provider_retry_after(H{{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}, 1445412490),
            milliseconds(0));  // already past
}

}  // namespace
}  // namespace sluice::routing
