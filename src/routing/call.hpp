#pragma once
// What the router needs of a request, and nothing of the pipeline: the config it started with,
// the endpoint or route and its planned destinations, the request to send, and where each
// attempt and the time spent upstream are recorded. pipeline::RequestContext is one (it derives
// from this), so routing sits below the pipeline. One per request, on its thread.

#include <boost/container/small_vector.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/snapshot.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "observability/trace_context.hpp"
#include "routing/health/target_health.hpp"
#include "routing/planner.hpp"

namespace sluice::routing {

// One try at one destination, for the access log, the response headers and the trace.
struct AttemptRecord {
  const config::Endpoint* endpoint = nullptr;
  unsigned status = 0;  // what the provider answered; 0 when it did not
  double latency_ms = 0;
  AttemptOutcome outcome = AttemptOutcome::kSuccess;
  std::chrono::steady_clock::time_point started{};
  observability::SpanId span_id{};  // its client span, when the request is traced
};

// The request's place in a trace (W3C Trace Context), when tracing is on (`otel:`): each
// attempt gets a span id of its own, sent to the provider in `traceparent` with the trace id.
struct TraceRef {
  bool on = false;       // otel is configured: traceparent goes to providers
  bool sampled = false;  // spans are recorded and exported
  observability::TraceId trace_id{};
  observability::SpanId span_id{};    // the gateway's server span for this request
  observability::SpanId parent_id{};  // the caller's span (zero: the trace starts here)
  std::string trace_state;            // the caller's tracestate, passed on
};

struct RouteCall;

// Told about each attempt as it is made (the pipeline's request observers).
class AttemptListener {
 public:
  virtual ~AttemptListener() = default;
  virtual void on_attempt(const RouteCall& call, const AttemptRecord& attempt) = 0;
};

struct RouteCall {
  RouteCall() = default;
  // `storage`: where the request's JSON is allocated (the pipeline gives its request arena).
  explicit RouteCall(boost::json::storage_ptr storage)
      : request{model::Operation::kChat, std::string(), boost::json::object(std::move(storage))} {}

  config::SnapshotPtr snapshot;                // the config this request started with
  const config::Endpoint* endpoint = nullptr;  // valid while `snapshot` is held
  // The route being followed: the one the client named, or its endpoint's fallback chain.
  const config::Route* route = nullptr;
  ClientChoice choice;  // x-sluice-destination / x-sluice-no-fallback
  Plan plan;            // destinations of `route` in the order they will be tried
  std::optional<Error> plan_error;
  // The client's body before any policy ran, kept when another destination of the route may
  // need the request prepared again (its own template or parameters).
  std::optional<boost::json::object> pristine_body;
  boost::container::small_vector<AttemptRecord, 2> attempts;
  AttemptListener* attempt_listener = nullptr;
  std::vector<std::string> dropped_params;  // left out by the provider adapter of the answer
  std::string prompt_version;               // the prompt template version used, if any
  bool named_path = false;                  // called on a named route's own path (POST /chat)
  bool passthrough = false;  // provider-native: relayed as it is, no templates or parameters
  // The raw proxy (MLflow 3): the client's request is sent as it is, model included, so the
  // model it is for is the one it names (proxied_model: its body's `model`, or a Gemini path's
  // models/{m}; "" when it names none the gateway can read).
  bool raw_proxy = false;
  std::string proxied_model;
  // The provider model this request is for: the endpoint's, or on the raw proxy the client's.
  std::string_view model_name() const {
    if (raw_proxy) return proxied_model;
    return endpoint != nullptr ? std::string_view(endpoint->model_name) : std::string_view();
  }
  model::Request request;
  std::chrono::steady_clock::duration upstream_time{};  // time spent waiting on providers
  bool upstream_called = false;
  TraceRef trace;
  observability::SpanId attempt_span{};  // the attempt being made (its traceparent's parent-id)

  // Adds an attempt to `attempts` and tells the listener.
  void record_attempt(const AttemptRecord& attempt) {
    attempts.push_back(attempt);
    if (attempt_listener != nullptr) attempt_listener->on_attempt(*this, attempt);
  }
};

}  // namespace sluice::routing
