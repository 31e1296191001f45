#pragma once
// `server.cors:` — Cross-Origin Resource Sharing for browser clients (the Fetch standard's CORS
// protocol, https://fetch.spec.whatwg.org/#http-cors-protocol). Off by default; when on, a
// preflight OPTIONS from an allowed origin is answered 204 with the grants (403 for others) and
// every answer to an allowed origin, errors and streams included, carries
// Access-Control-Allow-Origin.
//
//   server:
//     cors:
//       allow_origins: [https://app.example.com, "https://*.example.com"]   # or ["*"]
//       allow_headers: [authorization, content-type]   # default: any the browser asks for
//       allow_methods: [GET, POST]                     # default: GET, POST, PATCH, DELETE
//       expose_headers: [x-request-id]                 # default: sluice's own answer headers
//       max_age_s: 600
//       allow_credentials: false

#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

struct CorsSpec {
  bool enabled = false;
  bool any_origin = false;           // "*"
  std::vector<std::string> origins;  // exact "scheme://host[:port]", lower case
  // "scheme://*.suffix": any subdomain of suffix (not suffix itself), stored as
  // {"scheme://", ".suffix"}.
  std::vector<std::pair<std::string, std::string>> subdomain_origins;
  bool any_header = true;            // allow_headers absent or ["*"]: what the browser asks
  std::vector<std::string> headers;  // lower case
  std::string methods = "GET, POST, PATCH, DELETE";
  std::string expose_headers;  // comma-separated, as sent
  unsigned max_age_s = 600;
  bool credentials = false;

  // Whether `origin` (the request's Origin header, as sent) may read answers.
  bool allows_origin(std::string_view origin) const;
  // Whether every name in `list` (Access-Control-Request-Headers: comma-separated names) is
  // allowed. A name that is not an HTTP token fails.
  bool allows_headers(std::string_view list) const;
  bool allows_method(std::string_view method) const;

  bool operator==(const CorsSpec&) const = default;
};

// The headers sluice itself puts on answers, exposed to scripts when expose_headers is absent.
extern const char* const kDefaultExposeHeaders;

// Reads `server.cors` (absent: off). Throws LoadError on a bad value; allow_credentials with
// "*" is refused (browsers reject that pair, so it could only hide a mistake).
CorsSpec read_cors(const Reader& r, const YAML::Node& node);

}  // namespace sluice::config
