#include "cache/semantic_index.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

namespace sluice::cache {
namespace {

std::vector<float> unit(std::vector<float> v) {
  EXPECT_TRUE(SemanticIndex::normalize(v));
  return v;
}

// A random unit vector of `dim`, and one at cosine `cos` from it.
std::vector<float> random_unit(std::mt19937& rng, std::size_t dim) {
  std::normal_distribution<float> n;
  std::vector<float> v(dim);
  for (auto& x : v) x = n(rng);
  return unit(v);
}

TEST(SemanticIndex, FindsTheNearestOfTheSameContextAboveTheThreshold) {
  SemanticIndex index(1 << 20);
  index.add("chat\x1fk:a", "ctx", unit({1, 0, 0}), "entry-x", 100);
  index.add("chat\x1fk:a", "ctx", unit({0, 1, 0}), "entry-y", 100);
  index.add("chat\x1fk:a", "other", unit({1, 0.01F, 0}), "entry-other", 100);
  auto m = index.nearest("chat\x1fk:a", "ctx", unit({1, 0.1F, 0}), 0.9);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->entry_key, "entry-x");  // not entry-other: another context, though nearer
  EXPECT_NEAR(m->similarity, 1 / std::sqrt(1.01), 1e-5);
  EXPECT_FALSE(index.nearest("chat\x1fk:a", "ctx", unit({1, 1, 0}), 0.9));     // cos 0.707
  EXPECT_FALSE(index.nearest("chat\x1fk:b", "ctx", unit({1, 0, 0}), 0.5));     // another tenant
  EXPECT_FALSE(index.nearest("chat\x1fk:a", "ctx", unit({1, 0, 0, 0}), 0.5));  // another size
}

TEST(SemanticIndex, KeepsAtMostMaxEntriesReplacingTheOldest) {
  SemanticIndex index(1 << 20);
  std::mt19937 rng(7);
  std::vector<std::vector<float>> added;
  for (int i = 0; i < 300; ++i) {
    added.push_back(random_unit(rng, 16));
    std::string key = std::to_string(i);
    key.insert(0, 1, 'k');  // (not "k" + …: GCC 12 warns falsely, -Wrestrict)
    index.add("e\x1fg", "c", added.back(), key, 100);
  }
  EXPECT_EQ(index.entries(), 100U);
  // The newest are found exactly; the first ones were replaced.
  auto newest = index.nearest("e\x1fg", "c", added[299], 0.999);
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->entry_key, "k299");
  auto oldest = index.nearest("e\x1fg", "c", added[0], 0.999);
  EXPECT_FALSE(oldest && oldest->entry_key == "k0");
}

TEST(SemanticIndex, BoundedInBytesAcrossEveryIndex) {
  // Room for about 10 points of 256 dimensions (each over 1 KiB) in all.
  SemanticIndex index(10 * 1100);
  std::mt19937 rng(3);
  std::vector<std::vector<float>> added;
  for (int i = 0; i < 30; ++i) {
    added.push_back(random_unit(rng, 256));
    std::string tenant = std::to_string(i % 3);
    tenant.insert(0, "e\x1fk:");
    index.add(tenant, "c", added.back(), "k", 100);
  }
  EXPECT_GE(index.entries(), 8U);
  EXPECT_LE(index.entries(), 10U);
  EXPECT_LE(index.bytes(), 10U * 1100);
  EXPECT_GE(index.bytes(), index.entries() * 256 * sizeof(float));
  // Full: each index goes on learning by replacing its own oldest points (the newest are found,
  // the oldest are gone); an index with none gets none.
  EXPECT_TRUE(index.nearest("e\x1fk:2", "c", added[29], 0.999));
  EXPECT_TRUE(index.nearest("e\x1fk:0", "c", added[27], 0.999));
  EXPECT_FALSE(index.nearest("e\x1fk:0", "c", added[0], 0.999));
  index.add("e\x1fk:new", "c", added[5], "k", 100);
  EXPECT_FALSE(index.nearest("e\x1fk:new", "c", added[5], 0.999));
  // Clearing gives the room back.
  index.clear("", "k:0");
  const std::size_t left = index.bytes();
  EXPECT_LT(left, 10U * 1100 - 2 * 1024);
  index.add("e\x1fk:new", "c", added[5], "k", 100);
  EXPECT_TRUE(index.nearest("e\x1fk:new", "c", added[5], 0.999));
  EXPECT_GT(index.bytes(), left);
  index.clear("", "");
  EXPECT_EQ(index.bytes(), 0U);
  EXPECT_EQ(index.entries(), 0U);
}

TEST(SemanticIndex, ANewDimensionStartsTheIndexAfresh) {
  SemanticIndex index(1 << 20);
  index.add("e\x1fg", "c", unit({1, 0}), "two", 10);
  index.add("e\x1fg", "c", unit({1, 0, 0}), "three", 10);
  EXPECT_EQ(index.entries(), 1U);
  EXPECT_FALSE(index.nearest("e\x1fg", "c", unit({1, 0}), 0.5));
  EXPECT_TRUE(index.nearest("e\x1fg", "c", unit({1, 0, 0}), 0.5));
}

TEST(SemanticIndex, ClearsByEndpointAndTenant) {
  SemanticIndex index(1 << 20);
  const auto v = unit({1, 2, 3});
  index.add(SemanticIndex::index_name("chat", "k:a"), "c", v, "1", 10);
  index.add(SemanticIndex::index_name("chat", "k:b"), "c", v, "2", 10);
  index.add(SemanticIndex::index_name("other", "k:a"), "c", v, "3", 10);
  EXPECT_EQ(index.clear("", "k:a"), 2U);
  EXPECT_EQ(index.entries(), 1U);
  EXPECT_TRUE(index.nearest(SemanticIndex::index_name("chat", "k:b"), "c", v, 0.9));
  EXPECT_EQ(index.clear("chat", ""), 1U);
  EXPECT_EQ(index.entries(), 0U);
}

TEST(SemanticIndex, NormalizeRefusesWhatHasNoDirection) {
  std::vector<float> zero(4, 0);
  EXPECT_FALSE(SemanticIndex::normalize(zero));
  std::vector<float> bad{1, NAN};
  EXPECT_FALSE(SemanticIndex::normalize(bad));
  std::vector<float> v{3, 4};
  ASSERT_TRUE(SemanticIndex::normalize(v));
  EXPECT_FLOAT_EQ(v[0], 0.6F);
}

TEST(SemanticIndex, LookupsAndInsertsFromManyThreads) {
  SemanticIndex index(1 << 20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&index, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < 300; ++i) {
        auto v = random_unit(rng, 32);
        if (i % 2 == 0) {
          index.add("e\x1fg", "c", v, "k", 200);
        } else {
          (void)index.nearest("e\x1fg", "c", v, 0.5);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(index.entries(), 200U);
}

}  // namespace
}  // namespace sluice::cache
