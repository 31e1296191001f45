// stores.redis and stores.postgres URLs.
#include "util/store_urls.hpp"

#include <gtest/gtest.h>

namespace sluice::util {
namespace {

TEST(RedisUrl, HostPortPasswordAndDatabase) {
  auto a = parse_redis_url("redis://:s3cret@cache.internal:6380/2");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "cache.internal");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->password, "s3cret");
  EXPECT_EQ(a->db, 2);
  auto plain = parse_redis_url("redis://127.0.0.1");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 6379);
  EXPECT_EQ(plain->db, 0);
  for (const char* bad :
       {"http://x:1", "redis://", "redis://h:0", "redis://h:port", "redis://h:1/x"})
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
}

}  // namespace
}  // namespace sluice::util

namespace sluice::util {

TEST(PostgresUrl, LibpqDecidesAndThePasswordIsNeverQuoted) {
  EXPECT_FALSE(postgres_url_problem("postgresql://u:secret@db.internal:5432/sluice"));
  EXPECT_FALSE(postgres_url_problem("postgres://localhost/sluice?sslmode=require"));
  for (const char* bad : {"mysql://u:secret@db/x", "postgresql://u:secret@db:notaport/x?x=%zz"}) {
    auto problem = postgres_url_problem(bad);
    ASSERT_TRUE(problem) << bad;
    EXPECT_EQ(problem->find("secret"), std::string::npos);
  }
}

}  // namespace sluice::util
