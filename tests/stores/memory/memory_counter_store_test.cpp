#include "stores/memory/memory_counter_store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sluice::stores {

using std::chrono::seconds;

TEST(MemoryCounterStore, FixedWindowFromTheFirstCall) {
  MemoryCounterStore store;
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);  // a fake clock
  EXPECT_TRUE(store.hit_now("k", 2, seconds(60), t0).allowed);
  EXPECT_TRUE(store.hit_now("k", 2, seconds(60), t0 + seconds(10)).allowed);
  auto refused = store.hit_now("k", 2, seconds(60), t0 + seconds(20));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(40));
  EXPECT_EQ(store.hit_now("k", 2, seconds(60), t0 + std::chrono::milliseconds(59500)).retry_after,
            seconds(1));
  // the window closes 60 s after its first call, and a new one opens
  auto next = store.hit_now("k", 2, seconds(60), t0 + seconds(60));
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.count, 1u);
}

TEST(MemoryCounterStore, KeysAreIndependent) {
  MemoryCounterStore store;
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(store.hit_now("client-a\nchat", 1, seconds(1), t0).allowed);
  EXPECT_FALSE(store.hit_now("client-a\nchat", 1, seconds(1), t0).allowed);
  EXPECT_TRUE(store.hit_now("client-b\nchat", 1, seconds(1), t0).allowed);
}

TEST(MemoryCounterStore, ExactUnderConcurrency) {
  MemoryCounterStore store;
  const auto t0 = Clock::now();
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (store.hit_now("shared", 1234, seconds(3600), t0).allowed) ++allowed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1234);
}

TEST(MemoryCounterStore, ExpiredWindowsAreSwept) {
  MemoryCounterStore store;
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  // (std::to_string alone: GCC 12 misreports "k" + std::to_string(i) under -Wrestrict)
  for (int i = 0; i < 5000; ++i) store.hit_now(std::to_string(i), 1, seconds(1), t0);
  // long after: every old window has expired, new keys still count from zero
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(store.hit_now(std::to_string(i), 1, seconds(1), t0 + seconds(10)).allowed);
  }
}

}  // namespace sluice::stores
