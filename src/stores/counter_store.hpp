#pragma once
// Counters for rate limits, behind an interface so several gateway replicas can share them (a
// Redis implementation comes with the governance work); the in-process one is exact across all
// worker threads of one process.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sluice::stores {

using Clock = std::chrono::steady_clock;

struct WindowHit {
  bool allowed = true;
  std::uint64_t count = 0;              // calls in the current window, this one included
  std::chrono::seconds retry_after{0};  // until the window resets, when not allowed
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  // Counts one call for `key` in a fixed window of `period` that opens with the key's first call
  // (the `limits` library's fixed-window strategy, which MLflow uses); allowed while the count
  // stays within `limit`. A refused call is not counted.
  virtual boost::asio::awaitable<WindowHit> hit(std::string_view key, std::uint64_t limit,
                                                std::chrono::seconds period,
                                                Clock::time_point now) = 0;
};

}  // namespace sluice::stores
