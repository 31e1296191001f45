#include "pipeline/cors.hpp"

namespace sluice::pipeline {

bool is_preflight(const HttpRequest& http) {
  return http.method == "OPTIONS" && !http.header("origin").empty() &&
         !http.header("access-control-request-method").empty();
}

namespace {

// "*" lets any origin read without credentials; with credentials (or a list) the origin itself
// is named, and the answer varies with it.
void allow_origin(const config::CorsSpec& spec, std::string_view origin, HeaderList& out) {
  if (spec.any_origin && !spec.credentials) {
    out.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    out.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    out.emplace_back("Vary", "Origin");
  }
  if (spec.credentials) out.emplace_back("Access-Control-Allow-Credentials", "true");
}

}  // namespace

Preflight answer_preflight(const config::CorsSpec& spec, const HttpRequest& http) {
  Preflight p;
  const std::string_view origin = http.header("origin");
  const std::string_view method = http.header("access-control-request-method");
  const std::string requested = http.header_list("access-control-request-headers");
  p.headers.emplace_back("Vary",
                         "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  if (!spec.allows_origin(origin)) {
    p.refused = "origin";
    return p;
  }
  if (!spec.allows_method(method)) {
    p.refused = "method";
    return p;
  }
  if (requested.size() > 4096 || !spec.allows_headers(requested)) {
    p.refused = "headers";
    return p;
  }
  p.allowed = true;
  p.headers.clear();
  allow_origin(spec, origin, p.headers);
  if (p.headers.back().first == "Vary") p.headers.pop_back();
  p.headers.emplace_back("Vary",
                         "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  p.headers.emplace_back("Access-Control-Allow-Methods", spec.methods);
  if (!requested.empty()) {
    // The names asked for, which were checked to be tokens (so echoing them cannot split a
    // header); with a configured list, that list.
    std::string list;
    if (spec.any_header) {
      list = requested;
    } else {
      for (const auto& h : spec.headers) list += (list.empty() ? "" : ", ") + h;
    }
    p.headers.emplace_back("Access-Control-Allow-Headers", std::move(list));
  }
  p.headers.emplace_back("Access-Control-Max-Age", std::to_string(spec.max_age_s));
  return p;
}

HeaderList cors_headers(const config::CorsSpec& spec, const HttpRequest& http) {
  HeaderList out;
  if (!spec.enabled) return out;
  const std::string_view origin = http.header("origin");
  if (!spec.allows_origin(origin)) {
    // The answer would have carried the grant for another origin: caches must tell them apart.
    if (!spec.any_origin || spec.credentials) out.emplace_back("Vary", "Origin");
    return out;
  }
  allow_origin(spec, origin, out);
  if (!spec.expose_headers.empty())
    out.emplace_back("Access-Control-Expose-Headers", spec.expose_headers);
  return out;
}

}  // namespace sluice::pipeline
