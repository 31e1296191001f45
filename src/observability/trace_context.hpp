#pragma once
// W3C Trace Context (www.w3.org/TR/trace-context/): the `traceparent` header read from a client
// and written to providers, and the random ids of new traces and spans.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::observability {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  bool sampled = false;  // trace-flags bit 0
};

// `00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>` (§3.2). Versions above 00 are read by
// their first four fields, as the spec asks (§4.3); anything else, an all-zero id or upper-case
// hex is nullopt (the request then starts a trace of its own).
std::optional<TraceParent> parse_traceparent(std::string_view header);
std::string format_traceparent(const TraceId& trace, const SpanId& span, bool sampled);

// Random, never all zero. Thread-safe (a generator per thread).
TraceId new_trace_id();
SpanId new_span_id();
bool is_zero(const SpanId& id);

std::string to_hex(const std::uint8_t* bytes, std::size_t n);
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& id) {
  return to_hex(id.data(), N);
}

// True with probability `ratio` (0..1), from the trace id's low 8 bytes as OpenTelemetry's
// TraceIdRatioBased sampler does, so every process sampling a trace decides the same way.
bool sampled_by_ratio(const TraceId& trace, double ratio);

}  // namespace sluice::observability
