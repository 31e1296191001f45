#include "stores/memory/memory_counter_store.hpp"

#include <functional>

namespace sluice::stores {

boost::asio::awaitable<WindowHit> MemoryCounterStore::hit(std::string_view key, std::uint64_t limit,
                                                          std::chrono::seconds period,
                                                          Clock::time_point now) {
  co_return hit_now(key, limit, period, now);
}

WindowHit MemoryCounterStore::hit_now(std::string_view key, std::uint64_t limit,
                                      std::chrono::seconds period, Clock::time_point now) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  if (shard.windows.size() >= shard.sweep_at) {
    std::erase_if(shard.windows, [&](const auto& kv) { return kv.second.closes <= now; });
    shard.sweep_at = std::max<std::size_t>(1024, shard.windows.size() * 2);
  }
  auto [it, inserted] = shard.windows.try_emplace(std::string(key));
  Window& w = it->second;
  if (inserted || w.closes <= now) w = Window{now, now + period, 0};
  if (w.count >= limit) {
    auto left = std::chrono::ceil<std::chrono::seconds>(w.closes - now);
    return WindowHit{false, w.count, std::max(left, std::chrono::seconds(1))};
  }
  ++w.count;
  return WindowHit{true, w.count, std::chrono::seconds(0)};
}

}  // namespace sluice::stores
