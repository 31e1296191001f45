#pragma once
// The response cache for the life of the process: the in-process store, the Redis one when
// `stores.redis` is set, the table of misses in flight (single flight), and what the admin API
// reports. Shared by every worker and config snapshot; thread-safe.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/memory_cache.hpp"
#include "cache/semantic_index.hpp"
#include "config/cache.hpp"

namespace sluice::stores::redis {
class RedisLimiter;
}

namespace sluice::cache {

class ResponseCache {
 public:
  // `redis`: the shared connection (null without `stores.redis`); must outlive this.
  // `semantic_bytes` bounds the semantic index (cache.semantic_memory_bytes).
  ResponseCache(std::uint64_t memory_bytes, stores::redis::RedisLimiter* redis,
                std::uint64_t semantic_bytes = 64ULL * 1024 * 1024);

  // A config reload may change `cache.memory_bytes` and `cache.semantic_memory_bytes`.
  void set_memory_bytes(std::uint64_t bytes, std::uint64_t semantic_bytes) {
    memory_.set_capacity(bytes);
    semantic_.set_max_bytes(semantic_bytes);
  }
  bool has_redis() const { return redis_ != nullptr; }
  // The semantic cache's nearest-neighbour indexes (in process, whatever the answers' store).
  SemanticIndex& semantic() { return semantic_; }

  // The store key of an entry: sluice:cache:<endpoint>:<scope>:<hash>.
  static std::string entry_key(std::string_view endpoint, std::string_view scope,
                               std::string_view hash);

  // In-process lookup: the entry, or null when missing or expired at now_ms.
  AnswerPtr find_local(const std::string& key, std::int64_t now_ms);
  // Redis lookup; `done` runs on the Redis thread with the stored bytes ("" when there are
  // none), nullopt when Redis could not be asked. Read them with read_shared, off that thread
  // (decompressing and parsing there would hold up every limit and budget check behind it).
  using Fetched = std::function<void(std::optional<std::string>)>;
  void find_shared(const std::string& key, Fetched done);
  // The entry in bytes find_shared fetched; null when none, unreadable, expanding past
  // `max_bytes`, or expired at now_ms.
  static AnswerPtr read_shared(std::string_view value, std::int64_t now_ms, std::size_t max_bytes);
  // Keeps `answer` (whose encode() is `encoded`) under `key` in the given store (Redis:
  // compressed, sent without waiting).
  void put(config::CacheSpec::Store store, const std::string& key, AnswerPtr answer,
           std::string_view encoded);

  // Single flight. lead(): true when no identical miss is in flight; the caller then must
  // land() once its answer is stored (or it gave up). follow(): false when none is in flight;
  // else `wake` is called (on the leader's thread) when it lands.
  bool lead(const std::string& key);
  bool follow(const std::string& key, std::function<void()> wake);
  void land(const std::string& key);

  struct Totals {
    MemoryCache::Totals memory;
    std::optional<std::uint64_t> redis_entries;  // nullopt: no Redis, or it did not answer
    std::uint64_t semantic_entries = 0;
    std::uint64_t semantic_bytes = 0;
  };
  // Entries and bytes now. Blocks on Redis (an admin request, off the event loops).
  Totals totals();
  // Drops the entries of `endpoint` (empty: every endpoint) and, when `scope` is set, only
  // those of that tenant (scope_id's form; `scope_prefix`: every scope that starts with it, as
  // "w:team-a/" for all of a workspace's). Returns how many were dropped from memory and from
  // Redis (nullopt when Redis did not answer). Blocks on Redis.
  std::pair<std::size_t, std::optional<std::uint64_t>> clear(std::string_view endpoint,
                                                             std::string_view scope,
                                                             bool scope_prefix = false);

 private:
  std::optional<std::uint64_t> scan(std::string_view endpoint, std::string_view scope, bool erase,
                                    bool scope_prefix = false);

  MemoryCache memory_;
  SemanticIndex semantic_;
  stores::redis::RedisLimiter* redis_;
  std::mutex flights_mutex_;
  std::unordered_map<std::string, std::vector<std::function<void()>>> flights_;
};

}  // namespace sluice::cache
