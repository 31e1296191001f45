#include "governance/ledger.hpp"

#include <iostream>

#include "observability/metrics.hpp"

namespace sluice::governance {

Ledger::Ledger(std::unique_ptr<stores::GovernanceStore> store, SpendView& view)
    : store_(std::move(store)),
      view_(view),
      refresh_(store_->shared_between_replicas()),
      next_refresh_(std::chrono::steady_clock::now() + kRefreshInterval) {
  queue_.reserve(kBatch);
  writer_ = std::thread([this] { run(); });
}

Ledger::~Ledger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_all();
  writer_.join();
}

void Ledger::record(stores::LedgerEntry entry) {
  std::unique_lock lock(mutex_);
  if (queue_.size() >= kCapacity) {
    const auto start = std::chrono::steady_clock::now();
    has_room_.wait(lock, [this] { return queue_.size() < kCapacity; });
    observability::Metrics::global().ledger_wait_ns.fetch_add(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - start)
                                       .count()),
        std::memory_order_relaxed);
  }
  view_.add(entry);
  queue_.push_back(std::move(entry));
  observability::Metrics::global().ledger_queued.fetch_add(1, std::memory_order_relaxed);
  ++recorded_;
  // The writer wakes on its own every kFlushInterval; a wake-up per request would cost a
  // context switch each. Only a full batch wakes it early.
  if (queue_.size() >= kBatch) has_work_.notify_one();
}

void Ledger::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = recorded_;
  flush_requested_ = true;
  has_work_.notify_one();
  committed_.wait(lock, [&] { return written_ >= target; });
}

void Ledger::run() {
  std::vector<stores::LedgerEntry> taken;
  taken.reserve(kBatch);
  int failures_at_stop = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    has_work_.wait_for(lock, kFlushInterval,
                       [this] { return stopping_ || flush_requested_ || queue_.size() >= kBatch; });
    if (refresh_ && !stopping_ && std::chrono::steady_clock::now() >= next_refresh_)
      refresh_view(lock);
    if (queue_.empty()) {
      flush_requested_ = false;
      if (stopping_) return;
      continue;
    }
    taken.swap(queue_);  // requests go on filling the (empty, reserved) other vector
    has_room_.notify_all();
    lock.unlock();
    // Commit in transactions of at most kBatch; a failed one is retried, never dropped while
    // running. At shutdown a store that keeps failing cannot be waited for forever.
    std::size_t done = 0;
    while (done < taken.size()) {
      const std::size_t n = std::min(taken.size() - done, kBatch);
      try {
        store_->append(std::span(taken).subspan(done, n));
      } catch (const std::exception& e) {
        observability::Metrics::global().ledger_errors.fetch_add(1, std::memory_order_relaxed);
        std::cerr << "sluice: ledger write failed, will retry: " << e.what() << "\n";
        bool stopping = false;
        {
          std::lock_guard check(mutex_);
          stopping = stopping_;
        }
        if (stopping && ++failures_at_stop >= 3) {
          std::cerr << "sluice: ledger: " << taken.size() - done
                    << " records could not be written\n";
          return;
        }
        std::this_thread::sleep_for(kFlushInterval * 4);
        continue;
      }
      done += n;
      observability::Metrics::global().ledger_written.fetch_add(n, std::memory_order_relaxed);
      observability::Metrics::global().ledger_queued.fetch_sub(static_cast<std::int64_t>(n),
                                                               std::memory_order_relaxed);
    }
    taken.clear();
    lock.lock();
    written_ += done;
    committed_.notify_all();
  }
}
void Ledger::refresh_view(std::unique_lock<std::mutex>& lock) {
  next_refresh_ = std::chrono::steady_clock::now() + kRefreshInterval;
  lock.unlock();
  std::vector<stores::SpendTotal> totals;
  bool read = false;
  try {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    totals = store_->totals_since(month_start_ms(now));
    read = true;
  } catch (const std::exception& e) {
    // The view keeps its last totals plus this replica's own spend until the store answers.
    std::cerr << "sluice: reading spend totals from the store failed: " << e.what() << "\n";
  }
  lock.lock();
  // Everything this writer took has been committed, so the store's totals include it; what
  // sits in queue_ now is exactly what they do not.
  if (read) view_.replace(totals, queue_);
}

}  // namespace sluice::governance
