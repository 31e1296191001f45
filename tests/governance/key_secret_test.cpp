// Key secrets, hashes, globs, and the admin API's key fields.
#include "governance/key_secret.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

#include "governance/key_json.hpp"

namespace sluice::governance {
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

TEST(KeyJson, FieldsAreValidatedAndNamed) {
  auto apply = [](const char* body) {
    config::KeySpec k;
    k.id = "key_1";
    return apply_key_fields(boost::json::parse(body).as_object(), k);
  };
  EXPECT_FALSE(apply(
      R"({"name":"a","budget":{"usd":5,"per":"day"},"limits":[{"tokens":10,"per":"minute"}]})"));
  for (const char* bad :
       {R"({"name":"a","budget":{"usd":-1}})", R"({"name":"a","budget":{"usd":"5"}})",
        R"({"name":"a","budget":{"usd":5,"per":"year"}})",
        R"({"name":"a","limits":[{"per":"minute"}]})",
        R"({"name":"a","limits":[{"requests":1.5,"per":"minute"}]})",
        R"({"name":"a","colour":"red"})", R"({"team":"t"})", R"({"name":"a","endpoints":"chat"})",
        R"({"name":"a\u0000b"})", R"({"name":"a","team":"t\nx"})"}) {
    auto e = apply(bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->code, ErrorCode::kInvalidRequest) << bad;
    EXPECT_FALSE(e->param.empty()) << bad;
  }
}

TEST(KeyJson, StoredColumnsRoundTrip) {
  config::LimitSpec l;
  l.requests = 5;
  l.tokens = 100;
  l.per = config::Period::kHour;
  const auto back = limits_from_json(limits_to_json({l}), "key_9");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].requests, 5u);
  EXPECT_EQ(back[0].tokens, 100u);
  EXPECT_EQ(back[0].per, config::Period::kHour);
  EXPECT_EQ(back[0].match, "key_9");
  EXPECT_EQ(globs_from_json(globs_to_json({"a*", "b"})), (std::vector<std::string>{"a*", "b"}));
}

}  // namespace
}  // namespace sluice::governance
