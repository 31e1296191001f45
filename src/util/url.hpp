#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::util {

// An upstream base URL split into what the connection pool and request line need.
struct BaseUrl {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::uint16_t port = 0;
  std::string path;  // without trailing slash, e.g. "/v1"; may be empty

  bool tls() const { return scheme == "https"; }
  // "scheme://host:port": the connection pool key.
  std::string origin() const;
};

// Parses an absolute http(s) URL. Returns nullopt with `why` set when it is not one.
std::optional<BaseUrl> parse_base_url(std::string_view text, std::string& why);

// The raw (still percent-encoded) value of `key` in a query string given without its '?';
// "" when absent. The first occurrence wins.
std::string_view query_value(std::string_view query, std::string_view key);

}  // namespace sluice::util
