// The OTLP encoders (otlp.hpp): the protobuf bytes of a small request checked field by field
// against trace.proto's numbering, and the JSON encoding's OTLP-specific rules. (The integration
// tests decode both with the OpenTelemetry project's own generated code.)
#include "observability/otlp.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::observability {
namespace {

Span sample() {
  Span s;
  s.trace_id =
      parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")->trace_id;
  s.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  s.name = "chat";
  s.kind = SpanKind::kServer;
  s.start_unix_nano = 1;
  s.end_unix_nano = 2;
  s.set("n", std::int64_t{-1});
  s.set("ok", true);
  s.status = StatusCode::kError;
  return s;
}

}  // namespace

TEST(Otlp, ProtobufNestsTheSpanUnderResourceAndScope) {
  const Span s = sample();
  const std::string bytes = otlp_protobuf({&s, 1}, {{"service.name", std::string("x")}}, "");
  // ExportTraceServiceRequest.resource_spans (1, length-delimited) comes first.
  ASSERT_GT(bytes.size(), 40u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), (1 << 3) | 2);
  // The trace id's 16 raw bytes and the name are in there, the parent id (zero) is not.
  const std::string trace(reinterpret_cast<const char*>(s.trace_id.data()), 16);
  EXPECT_NE(bytes.find(std::string("\x0a\x10", 2) + trace), std::string::npos);
  EXPECT_NE(bytes.find(std::string("\x2a\x04", 2) + "chat"), std::string::npos);
  EXPECT_EQ(bytes.find(std::string("\x22\x08", 2)), std::string::npos) << "no parent_span_id";
  // kind = SERVER (field 6, varint 2); start and end as fixed64 (fields 7 and 8).
  EXPECT_NE(bytes.find(std::string("\x30\x02", 2)), std::string::npos);
  EXPECT_NE(bytes.find(std::string("\x39\x01\0\0\0\0\0\0\0", 9)), std::string::npos);
  EXPECT_NE(bytes.find(std::string("\x41\x02\0\0\0\0\0\0\0", 9)), std::string::npos);
  // int_value -1 is a ten-byte varint (two's complement, as int64).
  EXPECT_NE(bytes.find(std::string("\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11)),
            std::string::npos);
  // Status { code: ERROR (field 3, varint 2) } as span field 15.
  EXPECT_NE(bytes.find(std::string("\x7a\x02\x18\x02", 4)), std::string::npos);
}

TEST(Otlp, JsonUsesHexIdsStringIntegersAndNumericEnums) {
  const Span s = sample();
  const auto v =
      boost::json::parse(otlp_json({&s, 1}, {{"service.name", std::string("x")}}, "1.0"));
  const auto& rs = v.at("resourceSpans").at(0);
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("key"), "service.name");
  const auto& ss = rs.at("scopeSpans").at(0);
  EXPECT_EQ(ss.at("scope").at("name"), "sluice");
  EXPECT_EQ(ss.at("scope").at("version"), "1.0");
  const auto& span = ss.at("spans").at(0);
  EXPECT_EQ(span.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span.at("spanId"), "0102030405060708");
  EXPECT_FALSE(span.as_object().contains("parentSpanId"));
  EXPECT_EQ(span.at("kind"), 2);
  EXPECT_EQ(span.at("startTimeUnixNano"), "1");
  EXPECT_EQ(span.at("attributes").at(0).at("value").at("intValue"), "-1");
  EXPECT_EQ(span.at("attributes").at(1).at("value").at("boolValue"), true);
  EXPECT_EQ(span.at("status").at("code"), 2);
}

}  // namespace sluice::observability
