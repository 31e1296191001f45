#include "cache/memory_cache.hpp"

namespace sluice::cache {

MemoryCache::MemoryCache(std::uint64_t capacity_bytes) : shards_(kShards) {
  set_capacity(capacity_bytes);
}

MemoryCache::Shard& MemoryCache::shard_of(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

void MemoryCache::Shard::drop(std::unordered_map<std::string, Slot>::iterator it) {
  bytes -= it->second.answer->bytes;
  order.erase(it->second.at);
  slots.erase(it);
}

void MemoryCache::Shard::trim() {
  while (bytes > capacity && !order.empty()) {
    drop(slots.find(order.back()));
    ++evictions;
  }
}

AnswerPtr MemoryCache::find(const std::string& key, std::int64_t now_ms) {
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  auto it = s.slots.find(key);
  if (it == s.slots.end()) return nullptr;
  if (it->second.answer->expires_ms <= now_ms) {
    s.drop(it);
    return nullptr;
  }
  s.order.splice(s.order.begin(), s.order, it->second.at);
  return it->second.answer;
}

void MemoryCache::put(const std::string& key, AnswerPtr answer) {
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  if (auto it = s.slots.find(key); it != s.slots.end()) s.drop(it);
  if (answer->bytes > s.capacity) return;
  s.bytes += answer->bytes;
  s.order.push_front(key);
  s.slots.emplace(key, Shard::Slot{std::move(answer), s.order.begin()});
  s.trim();
}

std::size_t MemoryCache::erase_if(const std::function<bool(const CachedAnswer&)>& match) {
  std::size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (auto it = s.slots.begin(); it != s.slots.end();) {
      auto next = std::next(it);
      if (match(*it->second.answer)) {
        s.drop(it);
        ++n;
      }
      it = next;
    }
  }
  return n;
}

void MemoryCache::set_capacity(std::uint64_t capacity_bytes) {
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    s.capacity = capacity_bytes / kShards;
    s.trim();
  }
}

MemoryCache::Totals MemoryCache::totals() const {
  Totals t;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    t.entries += s.slots.size();
    t.bytes += s.bytes;
    t.evictions += s.evictions;
  }
  return t;
}

}  // namespace sluice::cache
