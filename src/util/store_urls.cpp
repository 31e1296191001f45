#include "util/store_urls.hpp"

#include <libpq-fe.h>

#include <charconv>

namespace sluice::util {

Result<RedisAddress> parse_redis_url(std::string_view url) {
  RedisAddress a;
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return Error::invalid("must look like redis://host:port");
  url.remove_prefix(kScheme.size());
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = url.substr(0, at);
    if (auto colon = credentials.find(':'); colon != std::string_view::npos)
      credentials.remove_prefix(colon + 1);
    a.password = std::string(credentials);
    url.remove_prefix(at + 1);
  }
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    const std::string_view db = url.substr(slash + 1);
    if (!db.empty() && std::from_chars(db.data(), db.data() + db.size(), a.db).ec != std::errc{})
      return Error::invalid("the database after '/' must be a number");
    url = url.substr(0, slash);
  }
  if (auto colon = url.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = url.substr(colon + 1);
    if (std::from_chars(port.data(), port.data() + port.size(), a.port).ec != std::errc{} ||
        a.port <= 0 || a.port > 65535)
      return Error::invalid("the port must be a number from 1 to 65535");
    url = url.substr(0, colon);
  }
  if (url.empty()) return Error::invalid("names no host");
  a.host = std::string(url);
  return a;
}

std::optional<std::string> postgres_url_problem(const std::string& url) {
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://"))
    return "must be a postgresql:// URL";
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "is not a valid postgresql:// URL";
  }
  PQconninfoFree(options);
  return std::nullopt;
}

}  // namespace sluice::util
