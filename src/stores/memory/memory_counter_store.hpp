#pragma once
#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

#include "stores/counter_store.hpp"

namespace sluice::stores {

// In-process counters: sharded maps, each behind its own mutex (held for a hash lookup only), so
// all worker threads see one exact count. Expired windows are swept as a shard grows.
class MemoryCounterStore : public CounterStore {
 public:
  boost::asio::awaitable<WindowHit> hit(std::string_view key, std::uint64_t limit,
                                        std::chrono::seconds period,
                                        Clock::time_point now) override;
  // The synchronous core of hit(), for tests and for callers outside a coroutine.
  WindowHit hit_now(std::string_view key, std::uint64_t limit, std::chrono::seconds period,
                    Clock::time_point now);

 private:
  struct Window {
    Clock::time_point opened;
    Clock::time_point closes;
    std::uint64_t count = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Window> windows;
    std::size_t sweep_at = 1024;
  };
  static constexpr std::size_t kShards = 16;
  std::array<Shard, kShards> shards_;
};

}  // namespace sluice::stores
