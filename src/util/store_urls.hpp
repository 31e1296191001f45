#pragma once
// The shared stores' connection URLs, read and checked without opening a connection, so config
// validation needs no store code: redis://[:password@]host[:port][/db] and postgresql:// (libpq's
// own parser, PQconninfoParse).

#include <optional>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace sluice::util {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int db = 0;
};

// redis://[:password@]host[:port][/db]
Result<RedisAddress> parse_redis_url(std::string_view url);

// Why `url` is not a PostgreSQL connection URL libpq accepts; nullopt when it is. Never quotes
// the URL (it may hold a password).
std::optional<std::string> postgres_url_problem(const std::string& url);

}  // namespace sluice::util
