#pragma once
// The response cache's in-process store: an LRU bounded by bytes, split into shards by key so
// workers rarely meet on a lock (a hit locks one shard for a map lookup and a list splice, and
// no lock is held while the answer is copied out: entries are immutable and shared).
// Thread-safe.

#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/cached_answer.hpp"

namespace sluice::cache {

class MemoryCache {
 public:
  static constexpr std::size_t kShards = 16;

  // `capacity_bytes`: the sum of entries' `bytes` kept at most (split evenly among shards);
  // 0 keeps nothing.
  explicit MemoryCache(std::uint64_t capacity_bytes);

  // The entry under `key` unless missing or expired at `now_ms` (an expired one is dropped).
  AnswerPtr find(const std::string& key, std::int64_t now_ms);
  // Replaces what `key` held; least recently used entries go first to make room. An entry
  // larger than a shard's share is not kept.
  void put(const std::string& key, AnswerPtr answer);
  // Drops the entries `match` picks; returns how many.
  std::size_t erase_if(const std::function<bool(const CachedAnswer&)>& match);
  void set_capacity(std::uint64_t capacity_bytes);

  struct Totals {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
    std::uint64_t evictions = 0;
  };
  Totals totals() const;

 private:
  struct Shard {
    using Order = std::list<std::string>;  // most recently used first
    struct Slot {
      AnswerPtr answer;
      Order::iterator at;
    };
    mutable std::mutex mutex;
    std::unordered_map<std::string, Slot> slots;
    Order order;
    std::uint64_t bytes = 0;
    std::uint64_t capacity = 0;
    std::uint64_t evictions = 0;
    void drop(std::unordered_map<std::string, Slot>::iterator it);
    void trim();
  };
  Shard& shard_of(const std::string& key);

  std::vector<Shard> shards_;
};

}  // namespace sluice::cache
