#pragma once
// The spend ledger's writer: requests hand their records to a bounded queue, a thread commits
// them in batches (one transaction per batch, at least every kFlushInterval). When the queue is
// full the request waits for room rather than a record being dropped, and the wait is counted
// (sluice_ledger_wait_seconds_total). The destructor commits everything queued, so a clean stop
// (SIGTERM) loses nothing; after kill -9 at most the batch of the last kFlushInterval is missing.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "stores/governance_store.hpp"

namespace sluice::governance {

class Ledger {
 public:
  static constexpr std::size_t kCapacity = 16384;
  static constexpr std::size_t kBatch = 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{50};

  explicit Ledger(std::unique_ptr<stores::GovernanceStore> store);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  void record(stores::LedgerEntry entry);
  // Blocks until everything recorded so far is committed (tests, admin spend queries).
  void flush();

 private:
  void run();

  std::unique_ptr<stores::GovernanceStore> store_;
  std::mutex mutex_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::condition_variable committed_;
  // Filled by requests; the writer swaps it for an empty one (one pointer swap under the lock,
  // no per-record node as a deque of these large records would allocate).
  std::vector<stores::LedgerEntry> queue_;
  std::uint64_t recorded_ = 0;
  std::uint64_t written_ = 0;
  bool stopping_ = false;
  bool flush_requested_ = false;
  std::thread writer_;
};

}  // namespace sluice::governance
