#pragma once
// The payload log's writer (config/request_log.hpp): requests hand their records to a bounded
// queue (never waiting: a full queue drops the record and counts it in
// sluice_request_log_dropped_total), a thread masks them when `redact: [pii]` (the guardrails'
// detectors, off the event loops) and writes them in batches to the store (one transaction) or
// appends them to a JSON-lines file, deleting store records older than retention_days once a
// minute. The destructor writes what is queued.

#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/request_log.hpp"
#include "stores/governance_store.hpp"

namespace sluice::guardrails {
class Detector;
}

namespace sluice::governance {

class RequestLog {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static constexpr std::size_t kBatch = 256;

  // `store`: its own connection (null with sink: file, which opens `spec.path` for append and
  // throws when it cannot).
  RequestLog(config::RequestLogSpec spec, std::unique_ptr<stores::GovernanceStore> store);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Any thread; never blocks on the sink.
  void record(stores::RequestRecord record);
  // Blocks until everything recorded so far is written, or 10 s (the admin API reads after it).
  void flush();
  const config::RequestLogSpec& spec() const { return spec_; }

 private:
  void run();
  void write(std::vector<stores::RequestRecord>& batch);

  const config::RequestLogSpec spec_;
  std::unique_ptr<stores::GovernanceStore> store_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<guardrails::Detector> detector_;  // with redact: [pii]
  std::mutex mutex_;
  std::condition_variable has_work_;
  std::condition_variable written_cv_;
  std::vector<stores::RequestRecord> queue_;
  std::uint64_t recorded_ = 0, written_ = 0;
  bool stopping_ = false, flush_requested_ = false;
  std::int64_t next_prune_ms_ = 0;
  std::thread writer_;
};

// The record as a JSON object (the file sink's lines, the admin API's answers).
boost::json::object request_record_object(const stores::RequestRecord& r, bool whole);

// How much more than max_bytes the request path keeps of a prompt or an answer, so that the
// writer masks first and cuts after: a value cut at the boundary could not be recognized.
inline constexpr std::size_t kCutMargin = 1024;

}  // namespace sluice::governance
