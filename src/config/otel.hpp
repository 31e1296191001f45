#pragma once
// `otel:` — OpenTelemetry traces exported over OTLP/HTTP (docs/observability.md):
//
//   otel:
//     endpoint: http://collector:4318        # base URL; /v1/traces is added (as the SDKs do)
//     protocol: http/protobuf                # or http/json
//     headers: {x-api-key: "${{ secrets.OTEL_KEY }}"}
//     sample_ratio: 1.0                      # of the traces sluice starts; a caller's decision
//                                            # (traceparent's sampled flag) is followed
//     service_name: sluice
//     capture_content: false                 # prompts and answers in spans (masked by the
//                                            # request's guardrails when they mask)
//     resource: {deployment.environment: prod}
//     max_queue: 8192                        # spans waiting to be sent; more are dropped
//
// The OpenTelemetry SDK environment variables fill what the file leaves out
// (opentelemetry.io/docs/specs/otel/protocol/exporter/,
// .../configuration/sdk-environment-variables/): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as it is)
// or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces), OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL,
// OTEL_EXPORTER_OTLP_[TRACES_]HEADERS (k=v,k=v), OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER_ARG,
// OTEL_RESOURCE_ATTRIBUTES, and OTEL_SEMCONV_STABILITY_OPT_IN (gen_ai_latest_experimental: only the
// current GenAI names; else the older gen_ai.system is sent too). OTEL_SDK_DISABLED=true turns
// tracing off.

#include <string>
#include <utility>
#include <vector>

#include "config/secrets.hpp"

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

struct OtelSpec {
  bool enabled = false;    // an endpoint is set and the SDK is not disabled
  std::string traces_url;  // the full URL spans are POSTed to
  bool json = false;       // http/json; else http/protobuf
  std::vector<std::pair<std::string, std::string>> headers;
  double sample_ratio = 1.0;
  std::string service_name = "sluice";
  bool capture_content = false;
  bool latest_semconv_only = false;  // OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental
  std::vector<std::pair<std::string, std::string>> resource;  // more resource attributes
  std::size_t max_queue = 8192;

  bool operator==(const OtelSpec&) const = default;
};

// Reads `otel:` (absent: from the environment alone). Throws LoadError on a bad value.
OtelSpec read_otel(const Reader& r, const YAML::Node& node, const EnvLookup& env);

}  // namespace sluice::config
