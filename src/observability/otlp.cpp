#include "observability/otlp.hpp"

#include <boost/json.hpp>
#include <cstring>

namespace sluice::observability {
namespace {

// Protocol Buffers' wire format (protobuf.dev/programming-guides/encoding/): each field is a
// varint key (field number << 3 | wire type) and its value; a sub-message is its length and its
// bytes. Sizes are computed first (the *_size functions), so the whole request is written once,
// into one buffer of the right size, without a buffer per sub-message.
constexpr int kVarint = 0, kFixed64 = 1, kLength = 2;

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
// A length-delimited field of `len` bytes (field numbers here are all below 16: a one-byte key).
std::size_t field_size(std::size_t len) { return 1 + varint_size(len) + len; }

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void put_key(std::string& out, int field, int wire_type) {
  out += static_cast<char>(field << 3 | wire_type);
}
void put_length(std::string& out, int field, std::size_t len) {
  put_key(out, field, kLength);
  put_varint(out, len);
}
void put_bytes(std::string& out, int field, const void* data, std::size_t n) {
  put_length(out, field, n);
  out.append(static_cast<const char*>(data), n);
}
void put_fixed64(std::string& out, int field, std::uint64_t v) {
  put_key(out, field, kFixed64);
  for (int i = 0; i < 8; ++i) out += static_cast<char>(v >> (8 * i));
}

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4.
std::size_t any_size(const AttributeValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return field_size(s->size());
  if (std::holds_alternative<bool>(v)) return 2;
  if (const auto* i = std::get_if<std::int64_t>(&v))
    return 1 + varint_size(static_cast<std::uint64_t>(*i));
  return 9;
}
void put_any(std::string& out, const AttributeValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    put_bytes(out, 1, s->data(), s->size());  // even when empty: an empty string is a value
  } else if (const auto* b = std::get_if<bool>(&v)) {
    put_key(out, 2, kVarint);
    out += static_cast<char>(*b ? 1 : 0);
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    put_key(out, 3, kVarint);
    put_varint(out, static_cast<std::uint64_t>(*i));  // int64: two's complement, ten bytes if < 0
  } else {
    std::uint64_t bits = 0;
    const double d = std::get<double>(v);
    std::memcpy(&bits, &d, sizeof bits);
    put_fixed64(out, 4, bits);
  }
}

// KeyValue: key 1, value 2.
std::size_t kv_size(const Attribute& a) {
  return field_size(a.key.size()) + field_size(any_size(a.value));
}
std::size_t attributes_size(const std::vector<Attribute>& list) {
  std::size_t n = 0;
  for (const auto& a : list) n += field_size(kv_size(a));
  return n;
}
void put_attributes(std::string& out, int field, const std::vector<Attribute>& list) {
  for (const auto& a : list) {
    put_length(out, field, kv_size(a));
    put_bytes(out, 1, a.key.data(), a.key.size());
    put_length(out, 2, any_size(a.value));
    put_any(out, a.value);
  }
}

// Event: time_unix_nano 1, name 2, attributes 3.
std::size_t event_size(const SpanEvent& e) {
  return 9 + (e.name.empty() ? 0 : field_size(e.name.size())) + attributes_size(e.attributes);
}
// Status: message 2, code 3.
std::size_t status_size(const Span& s) {
  return (s.status_message.empty() ? 0 : field_size(s.status_message.size())) + 1 +
         varint_size(static_cast<std::uint64_t>(s.status));
}

// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6,
// start_time_unix_nano 7, end_time_unix_nano 8, attributes 9, events 11, status 15.
std::size_t span_size(const Span& s) {
  std::size_t n = field_size(16) + field_size(8) + 9 + 9 + attributes_size(s.attributes);
  if (!s.trace_state.empty()) n += field_size(s.trace_state.size());
  if (!is_zero(s.parent_span_id)) n += field_size(8);
  if (!s.name.empty()) n += field_size(s.name.size());
  n += 1 + varint_size(static_cast<std::uint64_t>(s.kind));
  for (const auto& e : s.events) n += field_size(event_size(e));
  if (s.status != StatusCode::kUnset) n += field_size(status_size(s));
  return n;
}
void put_span(std::string& out, const Span& s) {
  put_bytes(out, 1, s.trace_id.data(), s.trace_id.size());
  put_bytes(out, 2, s.span_id.data(), s.span_id.size());
  if (!s.trace_state.empty()) put_bytes(out, 3, s.trace_state.data(), s.trace_state.size());
  if (!is_zero(s.parent_span_id))
    put_bytes(out, 4, s.parent_span_id.data(), s.parent_span_id.size());
  if (!s.name.empty()) put_bytes(out, 5, s.name.data(), s.name.size());
  put_key(out, 6, kVarint);
  put_varint(out, static_cast<std::uint64_t>(s.kind));
  put_fixed64(out, 7, s.start_unix_nano);
  put_fixed64(out, 8, s.end_unix_nano);
  put_attributes(out, 9, s.attributes);
  for (const auto& e : s.events) {
    put_length(out, 11, event_size(e));
    put_fixed64(out, 1, e.time_unix_nano);
    if (!e.name.empty()) put_bytes(out, 2, e.name.data(), e.name.size());
    put_attributes(out, 3, e.attributes);
  }
  if (s.status != StatusCode::kUnset) {
    put_length(out, 15, status_size(s));
    if (!s.status_message.empty())
      put_bytes(out, 2, s.status_message.data(), s.status_message.size());
    put_key(out, 3, kVarint);
    put_varint(out, static_cast<std::uint64_t>(s.status));
  }
}

namespace json = boost::json;

json::value json_value(const AttributeValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return json::object{{"stringValue", *s}};
  if (const auto* b = std::get_if<bool>(&v)) return json::object{{"boolValue", *b}};
  if (const auto* i = std::get_if<std::int64_t>(&v))
    return json::object{{"intValue", std::to_string(*i)}};
  return json::object{{"doubleValue", std::get<double>(v)}};
}

json::array json_attributes(const std::vector<Attribute>& list) {
  json::array out;
  for (const auto& a : list)
    out.push_back(json::object{{"key", a.key}, {"value", json_value(a.value)}});
  return out;
}

}  // namespace

std::string otlp_protobuf(std::span<const Span> spans, const std::vector<Attribute>& resource,
                          std::string_view scope_version) {
  // ExportTraceServiceRequest { resource_spans 1: ResourceSpans { resource 1: Resource
  // { attributes 1 }, scope_spans 2: ScopeSpans { scope 1: InstrumentationScope { name 1,
  // version 2 }, spans 2 } } }
  constexpr std::string_view kScopeName = "sluice";
  const std::size_t resource_size = attributes_size(resource);
  const std::size_t scope_size = field_size(kScopeName.size()) +
                                 (scope_version.empty() ? 0 : field_size(scope_version.size()));
  std::vector<std::size_t> sizes;
  sizes.reserve(spans.size());
  std::size_t scope_spans_size = field_size(scope_size);
  for (const auto& s : spans) {
    sizes.push_back(span_size(s));
    scope_spans_size += field_size(sizes.back());
  }
  const std::size_t resource_spans_size = field_size(resource_size) + field_size(scope_spans_size);
  std::string out;
  out.reserve(field_size(resource_spans_size));
  put_length(out, 1, resource_spans_size);
  put_length(out, 1, resource_size);
  put_attributes(out, 1, resource);
  put_length(out, 2, scope_spans_size);
  put_length(out, 1, scope_size);
  put_bytes(out, 1, kScopeName.data(), kScopeName.size());
  if (!scope_version.empty()) put_bytes(out, 2, scope_version.data(), scope_version.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    put_length(out, 2, sizes[i]);
    put_span(out, spans[i]);
  }
  return out;
}

std::string otlp_json(std::span<const Span> spans, const std::vector<Attribute>& resource,
                      std::string_view scope_version) {
  json::array out_spans;
  for (const auto& s : spans) {
    json::object o{{"traceId", to_hex(s.trace_id)},
                   {"spanId", to_hex(s.span_id)},
                   {"name", s.name},
                   {"kind", static_cast<int>(s.kind)},
                   {"startTimeUnixNano", std::to_string(s.start_unix_nano)},
                   {"endTimeUnixNano", std::to_string(s.end_unix_nano)},
                   {"attributes", json_attributes(s.attributes)}};
    if (!is_zero(s.parent_span_id)) o["parentSpanId"] = to_hex(s.parent_span_id);
    if (!s.trace_state.empty()) o["traceState"] = s.trace_state;
    if (!s.events.empty()) {
      json::array events;
      for (const auto& e : s.events)
        events.push_back(json::object{{"timeUnixNano", std::to_string(e.time_unix_nano)},
                                      {"name", e.name},
                                      {"attributes", json_attributes(e.attributes)}});
      o["events"] = std::move(events);
    }
    if (s.status != StatusCode::kUnset) {
      json::object st{{"code", static_cast<int>(s.status)}};
      if (!s.status_message.empty()) st["message"] = s.status_message;
      o["status"] = std::move(st);
    }
    out_spans.push_back(std::move(o));
  }
  json::object scope{{"name", "sluice"}};
  if (!scope_version.empty()) scope["version"] = scope_version;
  return json::serialize(json::object{
      {"resourceSpans",
       json::array{json::object{
           {"resource", json::object{{"attributes", json_attributes(resource)}}},
           {"scopeSpans", json::array{json::object{{"scope", std::move(scope)},
                                                   {"spans", std::move(out_spans)}}}}}}}});
}

}  // namespace sluice::observability
