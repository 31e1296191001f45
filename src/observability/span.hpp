#pragma once
// A finished span as OpenTelemetry's trace data model has it (opentelemetry.io/docs/specs/otel/
// trace/api/), ready to export: ids, name, kind, times in Unix nanoseconds, attributes, events
// and status. Built by the tracing observer, encoded by otlp.hpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "observability/trace_context.hpp"

namespace sluice::observability {

using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;

// The key is a view: text with static storage (the conventions' names), or owned by whoever
// keeps the span's resource (the exporter) for as long as the span lives.
struct Attribute {
  std::string_view key;
  AttributeValue value;
};

struct SpanEvent {
  std::uint64_t time_unix_nano = 0;
  std::string name;
  std::vector<Attribute> attributes;
};

// SpanKind and Status.code as OTLP numbers them (trace.proto).
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3 };
enum class StatusCode : int { kUnset = 0, kOk = 1, kError = 2 };

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all zero: a root span
  std::string trace_state;  // the caller's tracestate, passed on as it came
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::vector<Attribute> attributes;
  std::vector<SpanEvent> events;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;

  template <class V>
  void set(std::string_view key, V&& value) {
    attributes.push_back({key, AttributeValue(std::forward<V>(value))});
  }
};

}  // namespace sluice::observability
