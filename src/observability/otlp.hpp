#pragma once
// OTLP trace export bodies (opentelemetry.io/docs/specs/otlp/): an ExportTraceServiceRequest
// holding one resource (service.name and the rest of `resource`) and one instrumentation scope
// ("sluice"), in the binary protobuf encoding (Content-Type application/x-protobuf) or OTLP's
// JSON encoding (application/json: lowerCamelCase fields, ids as hex, 64-bit integers as
// strings, enums as numbers). Field numbers follow opentelemetry-proto's trace.proto,
// common.proto and resource.proto (v1); the encoder writes only the fields sluice sets.

#include <span>
#include <string>
#include <vector>

#include "observability/span.hpp"

namespace sluice::observability {

std::string otlp_protobuf(std::span<const Span> spans, const std::vector<Attribute>& resource,
                          std::string_view scope_version);
std::string otlp_json(std::span<const Span> spans, const std::vector<Attribute>& resource,
                      std::string_view scope_version);

}  // namespace sluice::observability
