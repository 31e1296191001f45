#include "config/cors.hpp"

#include <algorithm>
#include <cctype>

#include "config/reader.hpp"
#include "util/text.hpp"

namespace sluice::config {

const char* const kDefaultExposeHeaders =
    "x-request-id, x-sluice-destination, x-sluice-attempts, x-sluice-cost-usd, x-sluice-cache, "
    "x-sluice-cache-age, x-sluice-budget, x-sluice-overhead-ms, x-sluice-prompt-version, "
    "x-sluice-dropped-params, x-sluice-token-count, retry-after, x-ratelimit-limit-requests, "
    "x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, "
    "x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, x-mlflow-gateway-duration-ms, "
    "x-mlflow-gateway-overhead-duration-ms";

namespace {

// RFC 9110 §5.6.2 tchar.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f with each trimmed, non-empty element of a comma-separated list; false when f does.
template <typename F>
bool each_element(std::string_view list, F&& f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (!item.empty() && !f(item)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

// An origin as browsers serialize it (RFC 6454 §6.1): scheme "://" host [":" port], no path.
bool is_origin(std::string_view o) {
  const auto sep = o.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  const std::string_view scheme = o.substr(0, sep);
  const std::string_view rest = o.substr(sep + 3);
  if (rest.empty()) return false;
  if (!std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      }))
    return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']' || c == '_';
  });
}

std::vector<std::string> string_list(const Reader& r, const YAML::Node& node,
                                     const std::string& path) {
  if (!node.IsSequence()) r.fail(node, path, "must be a list");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(r.string(node[i], path + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace

bool CorsSpec::allows_origin(std::string_view origin) const {
  if (!enabled || origin.empty() || origin.size() > 512 || !is_origin(origin)) return false;
  if (any_origin) return true;
  const std::string o = util::ascii_lower(origin);
  if (std::find(origins.begin(), origins.end(), o) != origins.end()) return true;
  for (const auto& [scheme, suffix] : subdomain_origins) {
    if (!o.starts_with(scheme)) continue;
    std::string_view host = std::string_view(o).substr(scheme.size());
    // "https://*.example.com" covers a.example.com and a.b.example.com, on the default port.
    if (host.size() > suffix.size() && host.ends_with(suffix) &&
        host.substr(0, host.size() - suffix.size()).find(':') == std::string_view::npos)
      return true;
  }
  return false;
}

bool CorsSpec::allows_headers(std::string_view list) const {
  return each_element(list, [&](std::string_view name) {
    if (!is_token(name)) return false;
    if (any_header) return true;
    const std::string n = util::ascii_lower(name);
    return std::find(headers.begin(), headers.end(), n) != headers.end();
  });
}

bool CorsSpec::allows_method(std::string_view method) const {
  if (!is_token(method)) return false;
  // GET, HEAD and POST are CORS-safelisted methods: a browser never asks for them, but one
  // may still send a preflight that names one.
  bool found = false;
  each_element(methods, [&](std::string_view m) {
    found = found || m == method;
    return !found;
  });
  return found;
}

CorsSpec read_cors(const Reader& r, const YAML::Node& node) {
  CorsSpec spec;
  if (!node || node.IsNull()) return spec;
  const std::string p = "server.cors";
  r.expect_map(node, p,
               {"enabled", "allow_origins", "allow_headers", "allow_methods", "expose_headers",
                "max_age_s", "allow_credentials"});
  spec.enabled = node["enabled"] ? r.boolean(node["enabled"], p + ".enabled") : true;
  if (!node["allow_origins"]) r.fail(node, p, "allow_origins is required");
  const auto origins = string_list(r, node["allow_origins"], p + ".allow_origins");
  if (origins.empty()) r.fail(node["allow_origins"], p + ".allow_origins", "must not be empty");
  for (std::size_t i = 0; i < origins.size(); ++i) {
    const std::string& o = origins[i];
    const std::string at = p + ".allow_origins[" + std::to_string(i) + "]";
    if (o == "*") {
      spec.any_origin = true;
      continue;
    }
    const auto wild = o.find("://*.");
    if (wild != std::string::npos) {
      const std::string plain = o.substr(0, wild + 3) + o.substr(wild + 5);
      if (!is_origin(plain) || o.find('*', wild + 4) != std::string::npos)
        r.fail(node["allow_origins"][i], at,
               "'" + o + "' is not an origin pattern (scheme://*.host[:port])");
      spec.subdomain_origins.emplace_back(util::ascii_lower(o.substr(0, wild + 3)),
                                          util::ascii_lower(o.substr(wild + 4)));
      continue;
    }
    if (!is_origin(o))
      r.fail(node["allow_origins"][i], at,
             "'" + o + "' is not an origin (scheme://host[:port], no path or trailing '/')");
    spec.origins.push_back(util::ascii_lower(o));
  }
  if (const YAML::Node h = node["allow_headers"]) {
    const auto names = string_list(r, h, p + ".allow_headers");
    spec.any_header = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "*") {
        spec.any_header = true;
        continue;
      }
      if (!is_token(names[i]))
        r.fail(h[i], p + ".allow_headers[" + std::to_string(i) + "]",
               "'" + names[i] + "' is not a header name");
      spec.headers.push_back(util::ascii_lower(names[i]));
    }
  }
  if (const YAML::Node m = node["allow_methods"]) {
    const auto names = string_list(r, m, p + ".allow_methods");
    if (names.empty()) r.fail(m, p + ".allow_methods", "must not be empty");
    spec.methods.clear();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!is_token(names[i]) || names[i] == "*")
        r.fail(m[i], p + ".allow_methods[" + std::to_string(i) + "]",
               "'" + names[i] + "' is not a method name");
      if (!spec.methods.empty()) spec.methods += ", ";
      spec.methods += names[i];  // methods are case-sensitive (RFC 9110 §9.1)
    }
  }
  if (const YAML::Node e = node["expose_headers"]) {
    const auto names = string_list(r, e, p + ".expose_headers");
    spec.expose_headers.clear();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!is_token(names[i]))
        r.fail(e[i], p + ".expose_headers[" + std::to_string(i) + "]",
               "'" + names[i] + "' is not a header name");
      if (!spec.expose_headers.empty()) spec.expose_headers += ", ";
      spec.expose_headers += names[i];
    }
  } else {
    spec.expose_headers = kDefaultExposeHeaders;
  }
  if (node["max_age_s"])
    spec.max_age_s =
        static_cast<unsigned>(r.integer(node["max_age_s"], p + ".max_age_s", 0, 86400));
  if (node["allow_credentials"])
    spec.credentials = r.boolean(node["allow_credentials"], p + ".allow_credentials");
  if (spec.credentials && spec.any_origin)
    r.fail(node["allow_credentials"], p + ".allow_credentials",
           "cannot be true with allow_origins \"*\" (browsers refuse credentials for any origin; "
           "list the origins)");
  return spec;
}

}  // namespace sluice::config
