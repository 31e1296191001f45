#pragma once
// The current config snapshot, readable from any thread without a lock and replaceable
// atomically (hot reload swaps it; requests in flight keep the snapshot they started with).

#include <atomic>

#include "config/snapshot.hpp"

namespace sluice::config {

class SnapshotHolder {
 public:
  explicit SnapshotHolder(SnapshotPtr initial) : current_(std::move(initial)) {}
  SnapshotPtr get() const { return current_.load(std::memory_order_acquire); }
  void set(SnapshotPtr next) { current_.store(std::move(next), std::memory_order_release); }

 private:
  std::atomic<SnapshotPtr> current_;
};

}  // namespace sluice::config
