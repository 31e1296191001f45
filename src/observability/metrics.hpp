#pragma once
// Process-wide Prometheus metrics. Counters are relaxed atomics, so recording never takes a lock;
// only registering a new endpoint (at config load) does. Endpoint stats live for the whole
// process, so a config reload keeps the counts.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sluice::observability {

// `value` escaped for a label value of the text exposition format (backslash, double quote and
// line feed; prometheus.io/docs/instrumenting/exposition_formats).
std::string label_value(std::string_view value);

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void observe(double seconds);
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

struct EndpointStats {
  std::array<std::atomic<std::uint64_t>, 600> requests_by_status{};
  Histogram latency;           // whole request, as the client sees it
  Histogram upstream_latency;  // upstream call only
  // Streams only: request read to the first content sent, and the time between output tokens
  // after it ((end - first token) / (output tokens - 1)), as OpenTelemetry's GenAI metrics
  // gen_ai.server.time_to_first_token and time_per_output_token define them.
  Histogram time_to_first_token;
  Histogram time_per_output_token;
  // Tokens by kind, as the provider reported them (or sluice counted them): input includes the
  // cached and cache-write ones, output the reasoning ones.
  std::atomic<std::uint64_t> prompt_tokens{0};
  std::atomic<std::uint64_t> completion_tokens{0};
  std::atomic<std::uint64_t> cached_read_tokens{0};
  std::atomic<std::uint64_t> cache_write_tokens{0};
  std::atomic<std::uint64_t> reasoning_tokens{0};
  std::atomic<std::uint64_t> cost_nano_usd{0};  // what the requests it served cost

  void count_status(unsigned status) {
    if (status < requests_by_status.size())
      requests_by_status[status].fetch_add(1, std::memory_order_relaxed);
  }
};

class Metrics {
 public:
  static Metrics& global();

  // Stable reference for the endpoint's whole lifetime in the process.
  EndpointStats& endpoint(const std::string& name);
  // Requests that never reached an endpoint (unknown path, bad JSON, unknown model…).
  EndpointStats& unrouted() { return unrouted_; }

  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::uint64_t> access_log_dropped{0};
  // Records handed to a background writer and not yet written (queued or in the batch being
  // written): the access log's lines, the ledger's records.
  std::atomic<std::int64_t> access_log_queued{0};
  std::atomic<std::int64_t> ledger_queued{0};
  // Traces (upstream/span_exporter): spans sent, dropped because the queue was full, and lost
  // with a batch the collector refused or did not answer; spans waiting to be sent.
  std::atomic<std::uint64_t> trace_spans_exported{0};
  std::atomic<std::uint64_t> trace_spans_dropped{0};
  std::atomic<std::uint64_t> trace_spans_failed{0};
  std::atomic<std::int64_t> trace_queued{0};
  // The payload log (governance/request_log): records written, dropped (queue full or refused
  // by the sink), waiting.
  std::atomic<std::uint64_t> request_log_written{0};
  std::atomic<std::uint64_t> request_log_dropped{0};
  std::atomic<std::int64_t> request_log_queued{0};
  std::atomic<std::uint64_t> upstream_connections_opened{0};
  std::atomic<std::uint64_t> upstream_connections_reused{0};
  // Governance: gateway keys, limits, budgets, the spend ledger.
  std::atomic<std::uint64_t> auth_rejected{0};
  std::atomic<std::uint64_t> limit_rejected{0};
  std::atomic<std::uint64_t> budget_rejected{0};
  std::atomic<std::uint64_t> budget_alerts{0};
  std::atomic<std::uint64_t> budget_exceeded{0};
  // Alert webhooks (upstream/webhook_sender.hpp).
  std::atomic<std::uint64_t> alert_webhooks_sent{0};
  std::atomic<std::uint64_t> alert_webhooks_failed{0};
  std::atomic<std::uint64_t> alert_webhooks_dropped{0};
  std::atomic<std::uint64_t> ledger_written{0};
  std::atomic<std::uint64_t> ledger_errors{0};
  std::atomic<std::uint64_t> ledger_wait_ns{0};  // requests waiting for room in the queue
  std::atomic<std::uint64_t> spend_nano_usd{0};
  std::atomic<std::uint64_t> redis_failures{0};  // limit checks Redis could not answer
  // The response cache: lookups by outcome, answers stored, what hits saved.
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> cache_misses{0};
  std::atomic<std::uint64_t> cache_bypasses{0};
  std::atomic<std::uint64_t> cache_refreshes{0};
  std::atomic<std::uint64_t> cache_stored{0};
  std::atomic<std::uint64_t> cache_unavailable{0};   // Redis lookups that failed (sent upstream)
  std::atomic<std::uint64_t> cache_flight_waits{0};  // misses that waited for an identical one
  std::atomic<std::uint64_t> cache_saved_nano_usd{0};
  std::atomic<std::uint64_t> cache_semantic_hits{0};  // hits found by similarity (in cache_hits)
  std::atomic<std::uint64_t> cache_semantic_errors{
      0};  // embeddings that failed (looked up exactly)

  // A guardrail acted (guardrails/, policies/guardrails): `n` findings of `entity` (an entity
  // name, a heuristic's kind or "deny"). Labels come from the config and fixed names only, so
  // their number is bounded.
  void guardrail_action(std::string_view guardrail, std::string_view action,
                        std::string_view entity, std::uint64_t n);

  // A request on route `route` (a `routes:` name or an endpoint with its own fallbacks) that
  // tried its destination again (`retries`) or moved on to another one (`fallbacks`).
  void route_attempts(std::string_view route, std::uint64_t retries, std::uint64_t fallbacks);

  // The Prometheus text exposition (format 0.0.4). `labels_of(endpoint)` gives more labels for
  // an endpoint's series (`provider="…",model="…"` from the config in use), "" for none.
  std::string render(
      const std::function<std::string(const std::string& endpoint)>& labels_of = {}) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<EndpointStats>> endpoints_;
  EndpointStats unrouted_;
  std::map<std::string, std::uint64_t> guardrail_actions_;  // rendered label set → count
  struct RouteCounts {
    std::uint64_t retries = 0, fallbacks = 0;
  };
  std::map<std::string, RouteCounts, std::less<>> routes_;
};

}  // namespace sluice::observability
