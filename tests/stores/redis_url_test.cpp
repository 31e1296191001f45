// stores.redis URLs.
#include <gtest/gtest.h>

#include "stores/redis/redis_limiter.hpp"

namespace sluice::stores::redis {
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
  for (const char* bad : {"http://x:1", "redis://", "redis://h:0", "redis://h:port", "redis://h:1/x"})
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
}

}  // namespace
}  // namespace sluice::stores::redis
