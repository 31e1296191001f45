#pragma once
// The spend ledger's writer: requests hand their records to a bounded queue, a thread commits
// them in batches (one transaction per batch, at least every kFlushInterval). When the queue is
// full the request waits for room rather than a record being dropped, and the wait is counted
// (sluice_ledger_wait_seconds_total). The destructor commits everything queued, so a clean stop
// (SIGTERM) loses nothing; after kill -9 at most the batch of the last kFlushInterval is missing.
//
// The ledger also keeps the spend view current: a record is added to it as it is queued, under
// the queue's lock. With a store other replicas write to, the writer re-reads the store's totals
// every kRefreshInterval and makes the view those totals plus what is still queued; holding the
// queue's lock for that swap is what keeps a record from being counted twice or not at all.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "governance/spend_view.hpp"
#include "stores/governance_store.hpp"

namespace sluice::governance {

class Ledger {
 public:
  static constexpr std::size_t kCapacity = 16384;
  static constexpr std::size_t kBatch = 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{50};
  static constexpr std::chrono::milliseconds kRefreshInterval{1000};

  Ledger(std::unique_ptr<stores::GovernanceStore> store, SpendView& view);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  void record(stores::LedgerEntry entry);
  // Blocks until everything recorded so far is committed (tests, admin spend queries).
  void flush();

 private:
  void run();
  // Called by the writer with `lock` held and nothing of its own left uncommitted.
  void refresh_view(std::unique_lock<std::mutex>& lock);

  std::unique_ptr<stores::GovernanceStore> store_;
  SpendView& view_;
  const bool refresh_;
  std::chrono::steady_clock::time_point next_refresh_;
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
