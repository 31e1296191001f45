#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cache/response_cache.hpp"

namespace sluice::cache {
namespace {

TEST(SingleFlight, OneLeadsTheOthersWaitUntilItLands) {
  ResponseCache cache(1 << 20, nullptr);
  EXPECT_TRUE(cache.lead("k"));
  EXPECT_FALSE(cache.lead("k"));  // in flight
  EXPECT_TRUE(cache.lead("other"));
  int woken = 0;
  EXPECT_TRUE(cache.follow("k", [&] { ++woken; }));
  EXPECT_TRUE(cache.follow("k", [&] { ++woken; }));
  EXPECT_EQ(woken, 0);
  cache.land("k");
  EXPECT_EQ(woken, 2);
  EXPECT_FALSE(cache.follow("k", [&] { ++woken; }));  // nothing in flight any more
  EXPECT_TRUE(cache.lead("k"));                       // the next miss leads again
  cache.land("k");
  cache.land("k");  // landing twice is harmless
  EXPECT_EQ(woken, 2);
}

TEST(SingleFlight, ConcurrentMissesHaveOneLeader) {
  ResponseCache cache(1 << 20, nullptr);
  std::atomic<int> leaders{0};
  std::atomic<int> woken{0};
  std::atomic<int> followed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      if (cache.lead("same")) {
        ++leaders;
      } else if (cache.follow("same", [&] { ++woken; })) {
        ++followed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(leaders.load(), 1);
  cache.land("same");
  EXPECT_EQ(woken.load(), followed.load());
}

}  // namespace
}  // namespace sluice::cache
