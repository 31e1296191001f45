#include "governance/request_log.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <stdexcept>

#include "guardrails/detector.hpp"
#include "guardrails/masking.hpp"
#include "observability/metrics.hpp"
#include "util/unix_time.hpp"
#include "util/utf8.hpp"

namespace sluice::governance {
namespace {

constexpr std::chrono::milliseconds kFlushInterval{200};
constexpr std::int64_t kPruneEveryMs = 60'000;

using observability::Metrics;

}  // namespace

boost::json::object request_record_object(const stores::RequestRecord& r, bool whole) {
  namespace json = boost::json;
  json::object o{{"request_id", r.request_id},
                 {"ts_ms", r.ts_ms},
                 {"api", r.api},
                 {"method", r.method},
                 {"path", r.path},
                 {"endpoint", r.endpoint},
                 {"route", r.route},
                 {"provider", r.provider},
                 {"model", r.model},
                 {"key_id", r.key_id},
                 {"team", r.team},
                 {"user", r.user},
                 {"workspace", r.workspace},
                 {"status", r.status},
                 {"stream", r.stream},
                 {"latency_ms", r.latency_ms},
                 {"prompt_tokens", r.prompt_tokens},
                 {"completion_tokens", r.completion_tokens},
                 {"cost_usd", r.cost_usd},
                 {"cache", r.cache_hit ? "hit" : "miss"},
                 {"truncated", r.truncated}};
  o["ttft_ms"] = r.ttft_ms >= 0 ? json::value(r.ttft_ms) : json::value(nullptr);
  o["error"] = r.error.empty() ? json::value(nullptr) : json::value(r.error);
  o["trace_id"] = r.trace_id.empty() ? json::value(nullptr) : json::value(r.trace_id);
  boost::system::error_code ec;
  json::value attempts = json::parse(r.attempts, ec);
  o["attempts"] = ec ? json::value(json::array()) : std::move(attempts);
  json::value acted =
      r.guardrails.empty() ? json::value(json::array()) : json::parse(r.guardrails, ec);
  o["guardrails"] = ec ? json::value(json::array()) : std::move(acted);
  if (whole) {
    o["prompt"] = r.prompt ? json::value(*r.prompt) : json::value(nullptr);
    o["answer"] = r.answer ? json::value(*r.answer) : json::value(nullptr);
  }
  return o;
}

namespace {

// Text a database column and a JSON line can hold: valid UTF-8 without NUL (PostgreSQL refuses
// either, and a batch is one transaction: one bad record would lose the others).
void make_storable(std::string& text) {
  text = util::valid_utf8(text);
  std::replace(text.begin(), text.end(), '\0', ' ');
}

// A prompt or answer masked first and cut after: cut to max_bytes, and when the request path
// already cut it (it kept max_bytes + kCutMargin), the margin's end too, where a value may have
// been cut in half and so not recognized.
void cut(std::string& text, std::uint64_t max_bytes, bool was_cut, bool& truncated) {
  std::size_t keep = text.size();
  if (was_cut) keep = keep > kCutMargin ? keep - kCutMargin : 0;
  keep = std::min<std::size_t>(keep, max_bytes);
  if (keep >= text.size()) return;
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  text.resize(keep);
  truncated = true;
}

}  // namespace

RequestLog::RequestLog(config::RequestLogSpec spec, std::unique_ptr<stores::GovernanceStore> store)
    : spec_(std::move(spec)), store_(std::move(store)) {
  if (spec_.to_file) {
    file_ = std::fopen(spec_.path.c_str(), "a");
    if (file_ == nullptr)
      throw std::runtime_error("request_log.path '" + spec_.path + "' cannot be opened for append");
  }
  if (spec_.redact_pii) detector_ = std::make_unique<guardrails::Detector>();
  writer_ = std::thread([this] { run(); });
}

RequestLog::~RequestLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (file_ != nullptr) std::fclose(file_);
}

void RequestLog::record(stores::RequestRecord record) {
  auto& metrics = Metrics::global();
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kCapacity) {
      metrics.request_log_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(record));
    ++recorded_;
    metrics.request_log_queued.fetch_add(1, std::memory_order_relaxed);
    if (queue_.size() < kBatch) return;  // the writer wakes on its own every kFlushInterval
  }
  has_work_.notify_one();
}

void RequestLog::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = recorded_;
  flush_requested_ = true;
  has_work_.notify_one();
  written_cv_.wait_for(lock, std::chrono::seconds(10),
                       [&] { return written_ >= target || stopping_; });
}

void RequestLog::run() {
  std::vector<stores::RequestRecord> taken;
  std::unique_lock lock(mutex_);
  for (;;) {
    has_work_.wait_for(lock, kFlushInterval,
                       [this] { return stopping_ || flush_requested_ || queue_.size() >= kBatch; });
    flush_requested_ = false;
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    taken.swap(queue_);
    lock.unlock();
    write(taken);
    const auto n = taken.size();
    taken.clear();
    lock.lock();
    written_ += n;
    Metrics::global().request_log_queued.fetch_sub(static_cast<std::int64_t>(n),
                                                   std::memory_order_relaxed);
    written_cv_.notify_all();
  }
}

void RequestLog::write(std::vector<stores::RequestRecord>& batch) {
  try {
    for (auto& r : batch) {
      for (std::string* t : {&r.request_id, &r.api, &r.method, &r.path, &r.endpoint, &r.route,
                             &r.provider, &r.model, &r.key_id, &r.team, &r.user, &r.error})
        make_storable(*t);
      // Masked here, off the event loops, then cut; one table per record, so the same value gets
      // the same placeholder in its prompt and its answer. (`truncated` says the request path
      // kept only max_bytes + kCutMargin.)
      guardrails::MaskTable table;
      const bool was_cut = r.truncated;
      r.truncated = false;
      for (auto* t : {&r.prompt, &r.answer}) {
        if (!*t) continue;
        if (detector_) **t = guardrails::mask(*detector_, **t, table);
        cut(**t, spec_.max_bytes, was_cut, r.truncated);
        make_storable(**t);
      }
    }
  } catch (const std::exception& e) {
    Metrics::global().request_log_dropped.fetch_add(batch.size(), std::memory_order_relaxed);
    std::cerr << "sluice: request log: " << batch.size() << " records not written: " << e.what()
              << "\n";
    return;
  }
  try {
    if (file_ != nullptr) {
      for (const auto& r : batch) {
        const std::string line = boost::json::serialize(request_record_object(r, true));
        std::fwrite(line.data(), 1, line.size(), file_);
        std::fputc('\n', file_);
      }
      if (std::fflush(file_) != 0 || std::ferror(file_))
        throw std::runtime_error("writing " + spec_.path + " failed");
    } else {
      store_->append_requests(batch);
      const std::int64_t now = util::unix_now_ms();
      if (spec_.retention_days > 0 && now >= next_prune_ms_) {
        next_prune_ms_ = now + kPruneEveryMs;
        store_->prune_requests(now - static_cast<std::int64_t>(spec_.retention_days) * 86'400'000);
      }
    }
    Metrics::global().request_log_written.fetch_add(batch.size(), std::memory_order_relaxed);
  } catch (const std::exception& e) {
    // Not retried: payload logs are best effort, and a store that refuses a batch must not
    // grow the queue without bound.
    Metrics::global().request_log_dropped.fetch_add(batch.size(), std::memory_order_relaxed);
    std::cerr << "sluice: request log: " << batch.size() << " records not written: " << e.what()
              << "\n";
  }
}

}  // namespace sluice::governance
