#include "util/url.hpp"

#include <boost/url/parse.hpp>

namespace sluice::util {

std::string BaseUrl::origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

std::optional<BaseUrl> parse_base_url(std::string_view text, std::string& why) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    why = "is not an absolute URL";
    return std::nullopt;
  }
  BaseUrl url;
  url.scheme = parsed->scheme();
  if (url.scheme != "http" && url.scheme != "https") {
    why = "must start with http:// or https://";
    return std::nullopt;
  }
  url.host = parsed->encoded_host();
  if (url.host.empty()) {
    why = "has no host";
    return std::nullopt;
  }
  if (url.host.size() > 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);  // IPv6 literal: resolver wants it bare
  }
  if (parsed->has_userinfo()) {
    // The client would drop it without a word: credentials go in headers.
    why = "must not hold a user name or password (send credentials as headers)";
    return std::nullopt;
  }
  if (parsed->has_port()) {
    // port_number() wraps a port above 65535 (99999 read as 34463): check the digits.
    const std::string_view digits = parsed->port();
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(digits)) > 65535 || parsed->port_number() == 0) {
      why = "has an invalid port";
      return std::nullopt;
    }
    url.port = parsed->port_number();
  } else {
    url.port = url.tls() ? 443 : 80;
  }
  url.path = parsed->encoded_path();
  // Boost.URL 1.81 reads "http://host:80x/v1" as port "80", path "x/v1" (found by fuzzing);
  // after an authority a path must start with '/' (RFC 3986 §3.3).
  if (!url.path.empty() && url.path.front() != '/') {
    why = "has an invalid port or path";
    return std::nullopt;
  }
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  if (parsed->has_query() || parsed->has_fragment()) {
    why = "must not have a query or fragment";
    return std::nullopt;
  }
  return url;
}

std::string_view query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=')
      return pair.substr(key.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace sluice::util
