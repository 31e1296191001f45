#pragma once
// `request_log:` — payload logs, opt-in (docs/observability.md): one record per request with its
// prompt and answer (streams assembled, after the guardrails acted), written off the event loops
// to the store's database (SQLite or PostgreSQL, table request_log) or a JSON-lines file, and
// read back with GET /admin/requests[/{id}].
//
//   request_log:
//     enabled: true
//     sink: store            # store (the stores: database) | file
//     path: requests.jsonl   # sink: file
//     capture: [prompt, answer]
//     redact: [pii]          # mask personal data and secrets (the built-in detectors) first
//     max_bytes: 65536       # of the prompt and of the answer each; longer is cut, marked
//     sample_ratio: 1.0
//     retention_days: 30     # store: older records are deleted (0: kept)

#include <cstdint>
#include <string>

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

struct RequestLogSpec {
  bool enabled = false;
  bool to_file = false;  // sink: file; else the store
  std::string path;      // sink: file
  bool capture_prompt = true;
  bool capture_answer = true;
  bool redact_pii = false;
  std::uint64_t max_bytes = 64 * 1024;
  double sample_ratio = 1.0;
  unsigned retention_days = 30;

  bool operator==(const RequestLogSpec&) const = default;
};

// Reads `request_log:` (absent: off). Throws LoadError on a bad value.
RequestLogSpec read_request_log(const Reader& r, const YAML::Node& node);

}  // namespace sluice::config
