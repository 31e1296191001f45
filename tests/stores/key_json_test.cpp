// Gateway keys and budgets as the stores keep them: the admin API's fields, and the JSON
// columns.
#include "stores/key_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sluice::stores {
namespace {

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
}  // namespace sluice::stores
