#pragma once
// The semantic cache's similarity index: for each endpoint and tenant, the embeddings of the
// prompts whose answers are stored. Each point remembers the context it was asked in (a hash of
// everything else that changes the answer) and the exact-cache key of its answer; a lookup
// compares the query with every point of the same context (unit vectors: the dot product is the
// cosine similarity) and keeps the best. Exact, and cheap because a context holds few points.
// (An HNSW graph, hnswlib 0.6.2 from Debian, was tried first: ASan found it reading past a
// neighbour list in addPoint after resizeIndex. A graph pays off only for a context with many
// thousands of points.)
//
// Bounds: at most `max_entries` points per index (the oldest is replaced first) and `max_bytes`
// across all (`cache.semantic_memory_bytes`; a point past it is not indexed, its answer is still
// found exactly). Thread-safe: lookups of one index share its lock, an insert takes it alone. The
// index is per process; the answers it points at may live in Redis.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::cache {

class SemanticIndex {
 public:
  explicit SemanticIndex(std::size_t max_bytes);
  ~SemanticIndex();
  SemanticIndex(const SemanticIndex&) = delete;
  SemanticIndex& operator=(const SemanticIndex&) = delete;

  struct Match {
    std::string entry_key;
    double similarity = 0;
  };
  // The stored prompt most similar to `unit` (a unit vector) among those of `context` in
  // index `name`, if at least `threshold` similar.
  std::optional<Match> nearest(const std::string& name, std::string_view context,
                               const std::vector<float>& unit, double threshold);
  // Adds `unit` (asked in `context`, answered under `entry_key`) to index `name`. A vector of
  // another dimension than the index's starts the index afresh (the embeddings model changed).
  void add(const std::string& name, std::string_view context, const std::vector<float>& unit,
           const std::string& entry_key, std::size_t max_entries);
  // The index of an endpoint's entries for a tenant (scope_id's form).
  static std::string index_name(std::string_view endpoint, std::string_view scope);
  // Drops the indexes of `endpoint` (empty: every one) and, when `scope` is set, only that
  // tenant's (`scope_prefix`: every scope starting with it); returns how many points they held.
  std::size_t clear(std::string_view endpoint, std::string_view scope, bool scope_prefix = false);
  std::size_t entries() const;
  // What the points hold: vectors, contexts and keys, with their bookkeeping.
  std::size_t bytes() const;
  // A config reload may change the bound; points already held stay until replaced or cleared.
  void set_max_bytes(std::size_t max_bytes);

  // `v` scaled to length 1; false when it has no length (or is not finite).
  static bool normalize(std::vector<float>& v);

 private:
  struct Index;
  std::shared_ptr<Index> find(const std::string& name) const;

  mutable std::mutex mutex_;  // guards the map, not the indexes
  std::unordered_map<std::string, std::shared_ptr<Index>> indexes_;
  std::size_t total_ = 0;        // points in every index (under mutex_)
  std::size_t total_bytes_ = 0;  // what they hold (under mutex_)
  std::size_t max_bytes_;
};

}  // namespace sluice::cache
