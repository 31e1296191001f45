#include "cache/memory_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sluice::cache {
namespace {

AnswerPtr answer(std::size_t bytes, std::int64_t expires_ms = 1'000'000,
                 std::string endpoint = "chat", std::string scope = "g") {
  auto a = std::make_shared<CachedAnswer>();
  a->bytes = bytes;
  a->expires_ms = expires_ms;
  a->endpoint = std::move(endpoint);
  a->scope = std::move(scope);
  return a;
}

// (Not "k" + std::to_string(i): GCC 12 warns falsely on it, -Wrestrict.)
std::string named(char c, int i) {
  std::string s(1, c);
  s += std::to_string(i);
  return s;
}

TEST(MemoryCache, FindsWhatWasPutUntilItExpires) {
  MemoryCache c(1 << 20);
  c.put("a", answer(100, 5000));
  EXPECT_NE(c.find("a", 4999), nullptr);
  EXPECT_EQ(c.find("a", 5000), nullptr);
  EXPECT_EQ(c.totals().entries, 0U);  // the expired entry was dropped
  EXPECT_EQ(c.find("b", 0), nullptr);
}

TEST(MemoryCache, StaysWithinItsBytesDroppingTheLeastRecentlyUsed) {
  // One shard's share is capacity / kShards; keys are spread, so bound the total.
  const std::uint64_t capacity = MemoryCache::kShards * 1000;
  MemoryCache c(capacity);
  for (int i = 0; i < 1000; ++i) c.put(named('k', i), answer(300));
  const auto t = c.totals();
  EXPECT_LE(t.bytes, capacity);
  EXPECT_GT(t.entries, 0U);
  EXPECT_EQ(t.bytes, t.entries * 300);
  EXPECT_GT(t.evictions, 0U);
}

TEST(MemoryCache, AUsedEntryOutlivesAnUnusedOne) {
  MemoryCache c(MemoryCache::kShards * 1000);
  // Three keys of one shard: find ones that hash together.
  std::vector<std::string> same;
  const auto shard = std::hash<std::string>{}("x0") % MemoryCache::kShards;
  for (int i = 0; same.size() < 3; ++i) {
    std::string k = named('x', i);
    if (std::hash<std::string>{}(k) % MemoryCache::kShards == shard) same.push_back(k);
  }
  c.put(same[0], answer(400));
  c.put(same[1], answer(400));
  ASSERT_NE(c.find(same[0], 0), nullptr);  // now the most recently used
  c.put(same[2], answer(400));             // makes room by dropping same[1]
  EXPECT_NE(c.find(same[0], 0), nullptr);
  EXPECT_EQ(c.find(same[1], 0), nullptr);
  EXPECT_NE(c.find(same[2], 0), nullptr);
}

TEST(MemoryCache, TooBigIsNotKeptAndReplacingKeepsTheCountRight) {
  MemoryCache c(MemoryCache::kShards * 1000);
  c.put("big", answer(1001));
  EXPECT_EQ(c.find("big", 0), nullptr);
  c.put("a", answer(100));
  c.put("a", answer(200));
  EXPECT_EQ(c.totals().bytes, 200U);
  EXPECT_EQ(c.totals().entries, 1U);
}

TEST(MemoryCache, ErasesByWhatTheEntriesAreFor) {
  MemoryCache c(1 << 20);
  c.put("1", answer(10, 1'000'000, "chat", "k:a"));
  c.put("2", answer(10, 1'000'000, "chat", "k:b"));
  c.put("3", answer(10, 1'000'000, "other", "k:a"));
  EXPECT_EQ(c.erase_if([](const CachedAnswer& a) { return a.scope == "k:a"; }), 2U);
  EXPECT_NE(c.find("2", 0), nullptr);
  EXPECT_EQ(c.totals().entries, 1U);
}

TEST(MemoryCache, ShrinkingTheCapacityEvicts) {
  MemoryCache c(1 << 20);
  for (int i = 0; i < 100; ++i) c.put(std::to_string(i), answer(1000));
  c.set_capacity(MemoryCache::kShards * 2000);
  EXPECT_LE(c.totals().bytes, MemoryCache::kShards * 2000U);
}

TEST(MemoryCache, ManyThreadsAtOnce) {
  MemoryCache c(MemoryCache::kShards * 10'000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string k = std::to_string((i * 7 + t) % 300);
        if (i % 3 == 0) {
          c.put(k, answer(100));
        } else {
          auto found = c.find(k, 0);
          if (found) {
            EXPECT_EQ(found->bytes, 100U);
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(c.totals().bytes, MemoryCache::kShards * 10'000U);
}

}  // namespace
}  // namespace sluice::cache
