#pragma once
// One JSON line per request, written by a background thread from a bounded queue so a slow disk
// never blocks a request. When the queue is full the line is dropped and counted in
// sluice_access_log_dropped_total (visible backpressure, never a silent loss).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model/usage.hpp"

namespace sluice::observability {

// What a guardrail did: `count` findings of `entity` (never the text found).
struct GuardrailLog {
  std::string_view guardrail;
  std::string_view action;
  std::string_view entity;
  bool output = false;
  std::uint32_t count = 0;
};

// One try at one destination (a request may make several: retries, fallbacks).
struct AttemptLog {
  std::string destination;
  unsigned status = 0;  // the provider's HTTP status; 0 when it did not answer
  double latency_ms = 0;
  std::string_view outcome;  // a static name: success, rate_limited, timeout, …
};

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string path;
  std::string route;           // the traffic route the client named, if any
  std::string prompt_version;  // the prompt template version used, if any
  std::string endpoint;        // the endpoint that served the request
  std::string provider;
  std::string provider_model;
  unsigned status = 0;
  double latency_ms = 0;
  std::optional<double> upstream_latency_ms;
  double overhead_ms = 0;
  bool stream = false;
  model::Usage usage;
  std::optional<double> cost_usd;   // USD, when the model has a price
  bool usage_estimated = false;     // counted by sluice's tokenizer (the provider sent none)
  bool cache_hit = false;           // answered from the response cache (no provider called)
  std::optional<double> saved_usd;  // a hit: what the provider would have charged
  std::string key_id;               // the gateway key's id (never the key)
  std::string team;
  std::string workspace;  // "" the default (not written)
  std::string error;      // short message when the request failed (already redacted)
  std::vector<AttemptLog> attempts;
  std::vector<GuardrailLog> guardrails;  // names valid until the record is formatted
};

// The JSON line for a record (no trailing newline).
std::string format_access_line(const AccessRecord& record);

class AccessLog {
 public:
  static constexpr std::size_t kMaxQueued = 65536;
  static constexpr std::size_t kWakeAt = 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{20};

  // "-": stdout, "": disabled, else a file opened for append. Throws on an unopenable file.
  explicit AccessLog(const std::string& target);
  ~AccessLog();  // drains the queue, then stops the writer
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessRecord& record);

 private:
  void run();

  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace sluice::observability
