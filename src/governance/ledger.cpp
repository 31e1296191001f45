#include "governance/ledger.hpp"

#include <iostream>

#include "observability/metrics.hpp"

namespace sluice::governance {

Ledger::Ledger(std::unique_ptr<stores::GovernanceStore> store)
    : store_(std::move(store)), writer_([this] { run(); }) {}

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
  queue_.push_back(std::move(entry));
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
  std::vector<stores::LedgerEntry> batch;
  int failures_at_stop = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    has_work_.wait_for(lock, kFlushInterval,
                       [this] { return stopping_ || flush_requested_ || queue_.size() >= kBatch; });
    if (queue_.empty()) {
      flush_requested_ = false;
      if (stopping_) return;
      continue;
    }
    const std::size_t n = std::min(queue_.size(), kBatch);
    batch.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
    lock.unlock();
    bool ok = true;
    try {
      store_->append(batch);
    } catch (const std::exception& e) {
      ok = false;
      observability::Metrics::global().ledger_errors.fetch_add(1, std::memory_order_relaxed);
      std::cerr << "sluice: ledger write failed, will retry: " << e.what() << "\n";
    }
    lock.lock();
    if (!ok) {
      // Keep the records queued and try again after a pause; never drop them while running.
      // At shutdown a store that keeps failing cannot be waited for forever: say what is lost.
      if (stopping_ && ++failures_at_stop >= 3) {
        std::cerr << "sluice: ledger: " << queue_.size() << " records could not be written\n";
        return;
      }
      has_work_.wait_for(lock, kFlushInterval * 4, [this] { return false; });
      continue;
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    written_ += n;
    observability::Metrics::global().ledger_written.fetch_add(n, std::memory_order_relaxed);
    has_room_.notify_all();
    committed_.notify_all();
  }
}

}  // namespace sluice::governance
