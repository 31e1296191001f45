#pragma once
// Tracing as a request observer: when a traced request completes, one server span for the
// request and one client span per upstream attempt (retries and fallbacks are siblings under it),
// with OpenTelemetry's GenAI semantic conventions (opentelemetry.io/docs/specs/semconv/gen-ai/:
// gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.*, gen_ai.usage.*) and sluice's own
// attributes (sluice.endpoint, sluice.route, sluice.key_id, sluice.team, sluice.cost_usd, …),
// handed to the span exporter. The trace ids were set when the request began
// (begin_trace, handler.cpp).

#include "pipeline/observer.hpp"
#include "upstream/span_exporter.hpp"

namespace sluice::pipeline {

// The request's trace from the client's `traceparent`/`tracestate` (W3C Trace Context) or a new
// one sampled at otel.sample_ratio; nothing when tracing is off.
void begin_trace(RequestContext& ctx, const HttpRequest& http);

class TraceObserver : public RequestObserver {
 public:
  explicit TraceObserver(upstream::SpanExporter* exporter) : exporter_(exporter) {}
  void on_complete(const RequestContext& ctx, const HttpRequest& http,
                   const Answered& answered) override;

 private:
  upstream::SpanExporter* exporter_;  // null: tracing is off in this process
};

}  // namespace sluice::pipeline
