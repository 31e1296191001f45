// Key secrets, hashes and globs.
#include "util/key_secret.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

namespace sluice::util {
namespace {

TEST(KeySecret, SecretsAreLongRandomAndHashedWithThePepper) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string s = new_secret();
    ASSERT_EQ(s.size(), 10u + 43u);
    ASSERT_TRUE(s.starts_with("sk-sluice-"));
    ASSERT_TRUE(seen.insert(s).second);
  }
  const std::string s = new_secret();
  EXPECT_EQ(hash_secret("pepper-a", s).size(), 64u);
  EXPECT_EQ(hash_secret("pepper-a", s), hash_secret("pepper-a", s));
  EXPECT_NE(hash_secret("pepper-a", s), hash_secret("pepper-b", s));
  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
  EXPECT_EQ(hash_secret("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(KeySecret, Globs) {
  EXPECT_TRUE(glob_match("chat*", "chat"));
  EXPECT_TRUE(glob_match("chat*", "chat-gpt4o"));
  EXPECT_FALSE(glob_match("chat*", "embeddings"));
  EXPECT_TRUE(glob_match("*-mini", "gpt-4o-mini"));
  EXPECT_TRUE(glob_match("gpt-?o", "gpt-4o"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("a*b*c", "aXbY"));
  EXPECT_TRUE(glob_match("a*b*c", "aXbYc"));
}

}  // namespace
}  // namespace sluice::util
