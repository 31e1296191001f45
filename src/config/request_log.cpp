#include "config/request_log.hpp"

#include "config/reader.hpp"

namespace sluice::config {

RequestLogSpec read_request_log(const Reader& r, const YAML::Node& node) {
  RequestLogSpec spec;
  if (!node) return spec;
  r.expect_map(node, "request_log",
               {"enabled", "sink", "path", "capture", "redact", "max_bytes", "sample_ratio",
                "retention_days"});
  spec.enabled = node["enabled"] ? r.boolean(node["enabled"], "request_log.enabled") : true;
  if (node["sink"])
    spec.to_file =
        r.choice<bool>(node["sink"], "request_log.sink", {{"store", false}, {"file", true}});
  if (node["path"]) spec.path = r.string(node["path"], "request_log.path");
  if (spec.to_file && spec.path.empty()) r.fail(node, "request_log", "sink: file needs a 'path'");
  if (!spec.to_file && node["path"])
    r.fail(node["path"], "request_log.path", "is for sink: file (the store sink uses stores:)");
  if (const YAML::Node c = node["capture"]) {
    if (!c.IsSequence()) r.fail(c, "request_log.capture", "must be a list of prompt and answer");
    spec.capture_prompt = spec.capture_answer = false;
    for (std::size_t i = 0; i < c.size(); ++i) {
      const std::string path = "request_log.capture[" + std::to_string(i) + "]";
      (r.choice<bool>(c[i], path, {{"prompt", true}, {"answer", false}}) ? spec.capture_prompt
                                                                         : spec.capture_answer) =
          true;
    }
  }
  if (const YAML::Node red = node["redact"]) {
    if (!red.IsSequence()) r.fail(red, "request_log.redact", "must be a list (pii)");
    for (std::size_t i = 0; i < red.size(); ++i)
      spec.redact_pii =
          r.choice<bool>(red[i], "request_log.redact[" + std::to_string(i) + "]", {{"pii", true}});
  }
  if (node["max_bytes"])
    spec.max_bytes = static_cast<std::uint64_t>(
        r.integer(node["max_bytes"], "request_log.max_bytes", 0, 16 * 1024 * 1024));
  if (node["sample_ratio"]) {
    spec.sample_ratio = r.number(node["sample_ratio"], "request_log.sample_ratio");
    if (spec.sample_ratio > 1)
      r.fail(node["sample_ratio"], "request_log.sample_ratio", "must be between 0 and 1");
  }
  if (node["retention_days"])
    spec.retention_days = static_cast<unsigned>(
        r.integer(node["retention_days"], "request_log.retention_days", 0, 36500));
  return spec;
}

}  // namespace sluice::config
