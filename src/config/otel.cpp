#include "config/otel.hpp"

#include <cctype>
#include <cstdlib>
#include <iostream>

#include "config/reader.hpp"
#include "util/text.hpp"
#include "util/url.hpp"
#include "util/utf8.hpp"

namespace sluice::config {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// "k1=v1,k2=v2" (W3C Baggage-like, values percent-decoded as the SDK spec asks for headers).
std::vector<std::pair<std::string, std::string>> key_values(std::string_view list) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string value;
    const std::string raw = trim(item.substr(eq + 1));
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size() &&
          std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
        value += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        value += raw[i];
      }
    }
    std::string key = trim(item.substr(0, eq));
    if (!key.empty()) out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

// Why a header cannot go to the collector, or "": a name that is not an RFC 9110 token, a value
// with a control character (CR, LF, NUL: it would end the header), or one the client writes
// itself (framing: two Content-Length values would make the request ambiguous).
std::string bad_header(const std::string& name, const std::string& value) {
  if (name.empty()) return "has an empty name";
  for (char c : name) {
    const bool token = std::isalnum(static_cast<unsigned char>(c)) ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return "name '" + name.substr(0, 64) + "' is not a valid header name";
  }
  for (const char* own : {"host", "content-length", "content-type", "transfer-encoding",
                          "connection", "te", "upgrade", "trailer", "keep-alive"}) {
    if (util::ascii_iequals(name, own))
      return "'" + name + "' is set by sluice itself and cannot be given";
  }
  for (char c : value) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      return "'" + name + "' has a control character (CR, LF, …) in its value";
  }
  return "";
}

// Sets `kv` in `list`, replacing an entry of the same name (compared without case for headers).
void set_value(std::vector<std::pair<std::string, std::string>>& list,
               std::pair<std::string, std::string> kv, bool ignore_case) {
  for (auto& [name, value] : list) {
    const bool same = ignore_case ? util::ascii_iequals(name, kv.first) : name == kv.first;
    if (same) {
      value = std::move(kv.second);
      return;
    }
  }
  list.push_back(std::move(kv));
}

std::string with_traces_path(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.ends_with("/v1/traces")) return base;  // given whole
  return base + "/v1/traces";
}

}  // namespace

OtelSpec read_otel(const Reader& r, const YAML::Node& node, const EnvLookup& env) {
  auto var = [&](const char* name) { return env ? env(name).value_or("") : std::string(); };
  OtelSpec spec;
  std::string protocol = var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  if (protocol.empty()) protocol = var("OTEL_EXPORTER_OTLP_PROTOCOL");
  if (!var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").empty()) {
    spec.traces_url = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  } else if (!var("OTEL_EXPORTER_OTLP_ENDPOINT").empty()) {
    spec.traces_url = with_traces_path(var("OTEL_EXPORTER_OTLP_ENDPOINT"));
  }
  // The more specific source wins: the traces-only variable over the general one, the file over
  // both (a header or attribute named twice is sent once).
  for (const char* variable : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
    for (auto& kv : key_values(var(variable))) {
      if (const std::string why = bad_header(kv.first, kv.second); !why.empty()) {
        std::cerr << "sluice: " << variable << ": a header " << why << "; left out\n";
        continue;
      }
      set_value(spec.headers, std::move(kv), true);
    }
  }
  for (auto& kv : key_values(var("OTEL_RESOURCE_ATTRIBUTES"))) {
    // The environment is bytes; OTLP strings must be UTF-8.
    kv.first = util::valid_utf8(kv.first);
    kv.second = util::valid_utf8(kv.second);
    if (kv.first == "service.name")
      spec.service_name = kv.second;  // OTEL_SERVICE_NAME, read next, wins over it
    else
      set_value(spec.resource, std::move(kv), false);
  }
  if (!var("OTEL_SERVICE_NAME").empty())
    spec.service_name = util::valid_utf8(var("OTEL_SERVICE_NAME"));
  if (const std::string arg = var("OTEL_TRACES_SAMPLER_ARG"); !arg.empty()) {
    char* end = nullptr;
    const double v = std::strtod(arg.c_str(), &end);
    if (end != nullptr && *end == '\0' && v >= 0 && v <= 1)
      spec.sample_ratio = v;
    else
      std::cerr << "sluice: OTEL_TRACES_SAMPLER_ARG is not a ratio between 0 and 1; ignored\n";
  }
  spec.latest_semconv_only =
      var("OTEL_SEMCONV_STABILITY_OPT_IN").find("gen_ai_latest_experimental") != std::string::npos;

  if (node) {
    r.expect_map(node, "otel",
                 {"endpoint", "protocol", "headers", "sample_ratio", "service_name",
                  "capture_content", "resource", "max_queue"});
    if (node["max_queue"])
      spec.max_queue =
          static_cast<std::size_t>(r.integer(node["max_queue"], "otel.max_queue", 1, 1'000'000));
    if (node["endpoint"]) {
      bool secret = false;
      spec.traces_url = with_traces_path(r.resolved(node["endpoint"], "otel.endpoint", secret));
    }
    if (node["protocol"]) protocol = r.string(node["protocol"], "otel.protocol");
    if (const YAML::Node h = node["headers"]) {
      if (!h.IsMap()) r.fail(h, "otel.headers", "must be a mapping of header names to values");
      for (auto it = h.begin(); it != h.end(); ++it) {
        const std::string name = it->first.as<std::string>();
        bool secret = false;
        std::string value = r.resolved(it->second, "otel.headers." + name, secret);
        if (const std::string why = bad_header(name, value); !why.empty())
          r.fail(it->first, "otel.headers", "header " + why);
        set_value(spec.headers, {name, std::move(value)}, true);
      }
    }
    if (node["sample_ratio"]) {
      spec.sample_ratio = r.number(node["sample_ratio"], "otel.sample_ratio");
      if (spec.sample_ratio > 1)
        r.fail(node["sample_ratio"], "otel.sample_ratio", "must be between 0 and 1");
    }
    if (node["service_name"])
      spec.service_name = r.string(node["service_name"], "otel.service_name");
    if (node["capture_content"])
      spec.capture_content = r.boolean(node["capture_content"], "otel.capture_content");
    if (const YAML::Node res = node["resource"]) {
      if (!res.IsMap())
        r.fail(res, "otel.resource", "must be a mapping of attribute names to values");
      for (auto it = res.begin(); it != res.end(); ++it) {
        const std::string name = it->first.as<std::string>();
        if (name == "service.name")
          r.fail(it->first, "otel.resource", "set service.name with otel.service_name");
        set_value(spec.resource, {name, r.string(it->second, "otel.resource." + name)}, false);
      }
    }
    if (!node["endpoint"] && spec.traces_url.empty())
      r.fail(node, "otel", "'endpoint' is required (or OTEL_EXPORTER_OTLP_ENDPOINT)");
  }
  // A bad value in the file is an error at its line. One from the environment alone (set for
  // other programs too, gRPC being common) turns tracing off with a warning instead: sluice
  // still starts.
  const bool disabled = var("OTEL_SDK_DISABLED") == "true";
  auto refuse = [&](const char* key, const std::string& message, const char* env_message) {
    if (node && node[key]) r.fail(node[key], std::string("otel.") + key, message);
    if (!disabled && !spec.traces_url.empty())
      std::cerr << "sluice: tracing is off: " << env_message
                << "\n";  // (no value: it may be secret)
    spec.traces_url.clear();
  };
  if (protocol.empty() || protocol == "http/protobuf") {
    spec.json = false;
  } else if (protocol == "http/json") {
    spec.json = true;
  } else {
    refuse("protocol",
           "must be http/protobuf or http/json, got '" + protocol + "' (grpc is not supported)",
           "OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (grpc is not "
           "supported)");
  }
  if (!spec.traces_url.empty()) {
    std::string why;
    if (!util::parse_base_url(spec.traces_url, why))
      refuse("endpoint", "'" + spec.traces_url + "' is not an http(s) URL: " + why,
             "OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL");
  }
  spec.enabled = !spec.traces_url.empty() && !disabled;
  return spec;
}

}  // namespace sluice::config
