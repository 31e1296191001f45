#include "observability/otlp.hpp"

#include <boost/json.hpp>
#include <cstring>

namespace sluice::observability {
namespace {

// Protocol Buffers' wire format (protobuf.dev/programming-guides/encoding/): each field is a
// varint key (field number << 3 | wire type) and its value. Sub-messages are written into their
// own buffer and then length-prefixed.
class Writer {
 public:
  std::string out;

  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
  }
  void key(int field, int wire_type) { varint(static_cast<std::uint64_t>(field) << 3 | wire_type); }
  void bytes(int field, const void* data, std::size_t n) {
    key(field, 2);
    varint(n);
    out.append(static_cast<const char*>(data), n);
  }
  void string(int field, std::string_view s) {
    if (!s.empty()) bytes(field, s.data(), s.size());
  }
  void message(int field, const Writer& m) { bytes(field, m.out.data(), m.out.size()); }
  void fixed64(int field, std::uint64_t v) {
    key(field, 1);
    for (int i = 0; i < 8; ++i) out += static_cast<char>(v >> (8 * i));
  }
  void uint(int field, std::uint64_t v) {
    if (v == 0) return;
    key(field, 0);
    varint(v);
  }
};

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4.
Writer any_value(const AttributeValue& v) {
  Writer w;
  if (const auto* s = std::get_if<std::string>(&v)) {
    w.bytes(1, s->data(), s->size());  // even when empty: an empty string is a value
  } else if (const auto* b = std::get_if<bool>(&v)) {
    w.key(2, 0);
    w.varint(*b ? 1 : 0);
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    w.key(3, 0);
    w.varint(static_cast<std::uint64_t>(*i));
  } else {
    std::uint64_t bits = 0;
    const double d = std::get<double>(v);
    std::memcpy(&bits, &d, sizeof bits);
    w.fixed64(4, bits);
  }
  return w;
}

// KeyValue: key 1, value 2.
void attributes(Writer& into, int field, const std::vector<Attribute>& list) {
  for (const auto& a : list) {
    Writer kv;
    kv.string(1, a.key);
    kv.message(2, any_value(a.value));
    into.message(field, kv);
  }
}

// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6,
// start_time_unix_nano 7, end_time_unix_nano 8, attributes 9, events 11, status 15.
Writer span_message(const Span& s) {
  Writer w;
  w.bytes(1, s.trace_id.data(), s.trace_id.size());
  w.bytes(2, s.span_id.data(), s.span_id.size());
  w.string(3, s.trace_state);
  if (!is_zero(s.parent_span_id)) w.bytes(4, s.parent_span_id.data(), s.parent_span_id.size());
  w.string(5, s.name);
  w.uint(6, static_cast<std::uint64_t>(s.kind));
  w.fixed64(7, s.start_unix_nano);
  w.fixed64(8, s.end_unix_nano);
  attributes(w, 9, s.attributes);
  for (const auto& e : s.events) {
    // Event: time_unix_nano 1, name 2, attributes 3.
    Writer ev;
    ev.fixed64(1, e.time_unix_nano);
    ev.string(2, e.name);
    attributes(ev, 3, e.attributes);
    w.message(11, ev);
  }
  if (s.status != StatusCode::kUnset) {
    // Status: message 2, code 3.
    Writer st;
    st.string(2, s.status_message);
    st.uint(3, static_cast<std::uint64_t>(s.status));
    w.message(15, st);
  }
  return w;
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
  Writer res;
  attributes(res, 1, resource);
  Writer scope;
  scope.string(1, "sluice");
  scope.string(2, scope_version);
  Writer scope_spans;
  scope_spans.message(1, scope);
  for (const auto& s : spans) scope_spans.message(2, span_message(s));
  Writer resource_spans;
  resource_spans.message(1, res);
  resource_spans.message(2, scope_spans);
  Writer request;
  request.message(1, resource_spans);
  return std::move(request.out);
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
