#include "observability/metrics.hpp"

#include <cstdio>
#include <utility>
#include <vector>

namespace sluice::observability {
namespace {

// Bucket bounds: short ("0.0025").
std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Sums and counters: 15 significant digits, so a growing total still moves by small amounts.
std::string format_value(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// Endpoint names are restricted by config validation to [A-Za-z0-9_.-], so no escaping needed.
std::string endpoint_label(const std::string& name) { return "endpoint=\"" + name + "\""; }

}  // namespace

std::string label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < kBounds.size() ? format_double(kBounds[i]) : "+Inf";
    out += name + "_bucket{" + labels + ",le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum{" + labels + "} " +
         format_value(static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count_.load(std::memory_order_relaxed)) +
         "\n";
}

Metrics& Metrics::global() {
  static Metrics metrics;
  return metrics;
}

EndpointStats& Metrics::endpoint(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = endpoints_[name];
  if (!slot) slot = std::make_unique<EndpointStats>();
  return *slot;
}

void Metrics::guardrail_action(std::string_view guardrail, std::string_view action,
                               std::string_view entity, std::uint64_t n) {
  std::string labels = "guardrail=\"";
  labels += label_value(guardrail);
  labels += "\",action=\"";
  labels += action;
  labels += "\",entity=\"";
  labels += label_value(entity);
  labels += '"';
  std::lock_guard lock(mutex_);
  guardrail_actions_[labels] += n;
}

void Metrics::route_attempts(std::string_view route, std::uint64_t retries,
                             std::uint64_t fallbacks) {
  std::lock_guard lock(mutex_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteCounts{}).first;
  it->second.retries += retries;
  it->second.fallbacks += fallbacks;
}

std::string Metrics::render(
    const std::function<std::string(const std::string& endpoint)>& labels_of) const {
  std::string out;
  std::lock_guard lock(mutex_);
  // Each endpoint's label set is built once per scrape.
  std::vector<std::pair<std::string, const EndpointStats*>> labelled;
  labelled.reserve(endpoints_.size() + 1);
  for (const auto& [name, stats] : endpoints_) {
    std::string label = endpoint_label(name);
    if (labels_of) {
      if (std::string more = labels_of(name); !more.empty()) label += "," + more;
    }
    labelled.emplace_back(std::move(label), stats.get());
  }
  const std::size_t routed = labelled.size();
  labelled.emplace_back(endpoint_label(""), &unrouted_);
  auto each = [&](auto&& f, bool with_unrouted = true) {
    const std::size_t n = with_unrouted ? labelled.size() : routed;
    for (std::size_t i = 0; i < n; ++i) f(labelled[i].first, *labelled[i].second);
  };
  out += "# HELP sluice_requests_total Requests answered, by endpoint and HTTP status.\n";
  out += "# TYPE sluice_requests_total counter\n";
  each([&](const std::string& label, const EndpointStats& s) {
    for (std::size_t status = 100; status < s.requests_by_status.size(); ++status) {
      auto n = s.requests_by_status[status].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "sluice_requests_total{" + label + ",status=\"" + std::to_string(status) +
             "\",status_class=\"" + std::to_string(status / 100) + "xx\"} " + std::to_string(n) +
             "\n";
    }
  });
  out += "# HELP sluice_request_duration_seconds Time from request read to response end.\n";
  out += "# TYPE sluice_request_duration_seconds histogram\n";
  each([&](const std::string& label, const EndpointStats& s) {
    s.latency.render(out, "sluice_request_duration_seconds", label);
  });
  out += "# HELP sluice_upstream_duration_seconds Time spent waiting on the provider.\n";
  out += "# TYPE sluice_upstream_duration_seconds histogram\n";
  each(
      [&](const std::string& label, const EndpointStats& s) {
        s.upstream_latency.render(out, "sluice_upstream_duration_seconds", label);
      },
      false);
  out +=
      "# HELP sluice_time_to_first_token_seconds Streams: time from request read to the first "
      "content sent.\n# TYPE sluice_time_to_first_token_seconds histogram\n";
  each(
      [&](const std::string& label, const EndpointStats& s) {
        s.time_to_first_token.render(out, "sluice_time_to_first_token_seconds", label);
      },
      false);
  out +=
      "# HELP sluice_time_per_output_token_seconds Streams: time per output token after the "
      "first.\n# TYPE sluice_time_per_output_token_seconds histogram\n";
  each(
      [&](const std::string& label, const EndpointStats& s) {
        s.time_per_output_token.render(out, "sluice_time_per_output_token_seconds", label);
      },
      false);
  out +=
      "# HELP sluice_tokens_total Tokens, by endpoint and kind (input counts cached_read and "
      "cache_write, output counts reasoning).\n# TYPE sluice_tokens_total counter\n";
  each(
      [&](const std::string& label, const EndpointStats& s) {
        for (auto [kind, n] : {std::pair{"input", &s.prompt_tokens},
                               {"output", &s.completion_tokens},
                               {"cached_read", &s.cached_read_tokens},
                               {"cache_write", &s.cache_write_tokens},
                               {"reasoning", &s.reasoning_tokens}})
          out += "sluice_tokens_total{" + label + ",kind=\"" + kind + "\"} " +
                 std::to_string(n->load(std::memory_order_relaxed)) + "\n";
      },
      false);
  out +=
      "# HELP sluice_cost_usd_total Cost of the requests an endpoint served, in USD (priced "
      "models only).\n# TYPE sluice_cost_usd_total counter\n";
  each(
      [&](const std::string& label, const EndpointStats& s) {
        out += "sluice_cost_usd_total{" + label + "} " +
               format_value(static_cast<double>(s.cost_nano_usd.load()) / 1e9) + "\n";
      },
      false);
  out +=
      "# HELP sluice_route_retries_total Attempts at the same destination again, by route.\n"
      "# TYPE sluice_route_retries_total counter\n";
  for (const auto& [route, n] : routes_)
    out += "sluice_route_retries_total{route=\"" + label_value(route) + "\"} " +
           std::to_string(n.retries) + "\n";
  out +=
      "# HELP sluice_route_fallbacks_total Attempts moved on to another destination, by route.\n"
      "# TYPE sluice_route_fallbacks_total counter\n";
  for (const auto& [route, n] : routes_)
    out += "sluice_route_fallbacks_total{route=\"" + label_value(route) + "\"} " +
           std::to_string(n.fallbacks) + "\n";
  out += "# HELP sluice_requests_in_flight Requests being handled now.\n";
  out += "# TYPE sluice_requests_in_flight gauge\n";
  out += "sluice_requests_in_flight " + std::to_string(in_flight.load(std::memory_order_relaxed)) +
         "\n";
  out +=
      "# HELP sluice_access_log_dropped_total Access log lines dropped because the writer fell "
      "behind.\n";
  out += "# TYPE sluice_access_log_dropped_total counter\n";
  out += "sluice_access_log_dropped_total " + std::to_string(access_log_dropped.load()) + "\n";
  out +=
      "# HELP sluice_queue_depth Records handed to a background writer and not yet written.\n"
      "# TYPE sluice_queue_depth gauge\n"
      "sluice_queue_depth{queue=\"access_log\"} " +
      std::to_string(access_log_queued.load()) +
      "\n"
      "sluice_queue_depth{queue=\"ledger\"} " +
      std::to_string(ledger_queued.load()) +
      "\n"
      "sluice_queue_depth{queue=\"traces\"} " +
      std::to_string(trace_queued.load()) +
      "\n"
      "sluice_queue_depth{queue=\"request_log\"} " +
      std::to_string(request_log_queued.load()) + "\n";
  out +=
      "# HELP sluice_trace_spans_total Spans handed to the OTLP exporter, by what became of "
      "them.\n# TYPE sluice_trace_spans_total counter\n"
      "sluice_trace_spans_total{outcome=\"exported\"} " +
      std::to_string(trace_spans_exported.load()) +
      "\n"
      "sluice_trace_spans_total{outcome=\"dropped_queue_full\"} " +
      std::to_string(trace_spans_dropped.load()) +
      "\n"
      "sluice_trace_spans_total{outcome=\"export_failed\"} " +
      std::to_string(trace_spans_failed.load()) + "\n";
  auto counter = [&out](const char* name, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(value) + "\n";
  };
  counter("sluice_auth_rejected_total",
          "Requests refused for a missing, invalid, expired or "
          "disabled gateway key, or an endpoint the key may not use.",
          auth_rejected.load());
  counter("sluice_limit_rejected_total", "Requests refused by a request or token limit.",
          limit_rejected.load());
  counter("sluice_budget_rejected_total", "Requests refused because a budget was spent.",
          budget_rejected.load());
  counter("sluice_budget_alerts_total", "Budgets that crossed their alert threshold.",
          budget_alerts.load());
  counter("sluice_budget_exceeded_total", "Budgets whose spend reached their cap.",
          budget_exceeded.load());
  out +=
      "# HELP sluice_alert_webhooks_total Alert webhooks, by what became of them.\n"
      "# TYPE sluice_alert_webhooks_total counter\n"
      "sluice_alert_webhooks_total{outcome=\"sent\"} " +
      std::to_string(alert_webhooks_sent.load()) +
      "\n"
      "sluice_alert_webhooks_total{outcome=\"failed\"} " +
      std::to_string(alert_webhooks_failed.load()) +
      "\n"
      "sluice_alert_webhooks_total{outcome=\"dropped_queue_full\"} " +
      std::to_string(alert_webhooks_dropped.load()) + "\n";
  counter("sluice_redis_failures_total",
          "Limit checks the shared Redis store could not answer (failed open or closed).",
          redis_failures.load());
  out +=
      "# HELP sluice_cache_lookups_total Response cache lookups, by outcome.\n"
      "# TYPE sluice_cache_lookups_total counter\n";
  for (auto [outcome, n] : {std::pair{"hit", cache_hits.load()},
                            {"miss", cache_misses.load()},
                            {"bypass", cache_bypasses.load()},
                            {"refresh", cache_refreshes.load()}})
    out += std::string("sluice_cache_lookups_total{outcome=\"") + outcome + "\"} " +
           std::to_string(n) + "\n";
  counter("sluice_cache_stored_total", "Answers stored in the response cache.",
          cache_stored.load());
  counter("sluice_cache_semantic_hits_total",
          "Cache hits found by a similar prompt (semantic mode; counted in the lookups too).",
          cache_semantic_hits.load());
  counter("sluice_cache_semantic_errors_total",
          "Semantic lookups whose embedding failed (the request went on as an exact miss).",
          cache_semantic_errors.load());
  counter("sluice_cache_unavailable_total",
          "Cache lookups the shared Redis store could not answer (sent to the provider).",
          cache_unavailable.load());
  counter("sluice_cache_single_flight_waits_total",
          "Cache misses that waited for an identical request already in flight.",
          cache_flight_waits.load());
  out +=
      "# HELP sluice_cache_saved_usd_total What cache hits would have cost, in USD.\n"
      "# TYPE sluice_cache_saved_usd_total counter\nsluice_cache_saved_usd_total " +
      format_value(static_cast<double>(cache_saved_nano_usd.load()) / 1e9) + "\n";
  out +=
      "# HELP sluice_guardrail_actions_total What guardrails found and did, by guardrail, action "
      "and entity (or heuristic).\n"
      "# TYPE sluice_guardrail_actions_total counter\n";
  for (const auto& [labels, n] : guardrail_actions_)
    out += "sluice_guardrail_actions_total{" + labels + "} " + std::to_string(n) + "\n";
  counter("sluice_request_log_written_total", "Payload log records written.",
          request_log_written.load());
  counter("sluice_request_log_dropped_total",
          "Payload log records dropped (queue full, or refused by the sink).",
          request_log_dropped.load());
  counter("sluice_ledger_written_total", "Spend ledger records committed to the store.",
          ledger_written.load());
  counter("sluice_ledger_errors_total", "Ledger batches the store refused (retried).",
          ledger_errors.load());
  out +=
      "# HELP sluice_ledger_wait_seconds_total Time requests waited for room in the full "
      "ledger queue.\n# TYPE sluice_ledger_wait_seconds_total counter\n"
      "sluice_ledger_wait_seconds_total " +
      format_value(static_cast<double>(ledger_wait_ns.load()) / 1e9) + "\n";
  out +=
      "# HELP sluice_spend_usd_total Cost of the requests served, in USD.\n"
      "# TYPE sluice_spend_usd_total counter\nsluice_spend_usd_total " +
      format_value(static_cast<double>(spend_nano_usd.load()) / 1e9) + "\n";
  out +=
      "# HELP sluice_upstream_connections_total Upstream connections, by whether a pooled one was "
      "reused.\n";
  out += "# TYPE sluice_upstream_connections_total counter\n";
  out += "sluice_upstream_connections_total{outcome=\"opened\"} " +
         std::to_string(upstream_connections_opened.load()) + "\n";
  out += "sluice_upstream_connections_total{outcome=\"reused\"} " +
         std::to_string(upstream_connections_reused.load()) + "\n";
  return out;
}

}  // namespace sluice::observability
