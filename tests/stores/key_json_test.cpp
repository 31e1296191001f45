// Gateway keys and budgets as the stores keep them: the admin API's fields, and the JSON
// columns.
#include "stores/key_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

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
  for (const char* bad : {R"({"name":"a","budget":{"usd":-1}})",
                          R"({"name":"a","budget":{"usd":"5"}})",
                          R"({"name":"a","budget":{"usd":5,"per":"year"}})",
                          R"({"name":"a","limits":[{"per":"minute"}]})",
                          R"({"name":"a","limits":[{"requests":1.5,"per":"minute"}]})",
                          R"({"name":"a","colour":"red"})",
                          R"({"team":"t"})",
                          R"({"name":"a","endpoints":"chat"})",
                          R"({"name":"a\u0000b"})",
                          R"({"name":"a","team":"t\nx"})",
                          R"({"name":"a","cache":"on"})",
                          R"({"name":"a","cache":{"mode":"semantic"}})",
                          R"({"name":"a","cache":{"ttl_s":0}})",
                          R"({"name":"a","cache":{"ttl_s":1.5}})",
                          R"({"name":"a","cache":{"scope":"everyone"}})",
                          R"({"name":"a","cache":{"client_controls":"yes"}})",
                          R"({"name":"a","cache":{"threshold":0.9}})",
                          R"({"name":"a","guardrails":"pii"})",
                          R"({"name":"a","guardrails":[""]})",
                          R"({"name":"a","guardrails":[1]})"}) {
    auto e = apply(bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->code, ErrorCode::kInvalidRequest) << bad;
    EXPECT_FALSE(e->param.empty()) << bad;
  }
}

TEST(KeyJson, CacheSettingsAreReadShownAndCleared) {
  config::KeySpec k;
  k.id = "key_1";
  const auto e = apply_key_fields(
      boost::json::parse(
          R"({"name":"a","cache":{"mode":"exact","ttl_s":60,"scope":"team","client_controls":false}})")
          .as_object(),
      k);
  ASSERT_FALSE(e) << e->message;
  ASSERT_TRUE(k.cache);
  EXPECT_EQ(k.cache->mode, config::CacheSpec::Mode::kExact);
  EXPECT_EQ(k.cache->ttl, std::chrono::seconds(60));
  EXPECT_EQ(k.cache->scope, config::CacheSpec::Scope::kTeam);
  EXPECT_EQ(k.cache->client_controls, false);
  EXPECT_EQ(key_cache_from_json(key_cache_to_json(*k.cache)), k.cache) << "the stored column";
  // Stored by a later version: its new fields are skipped; unreadable: the cache off.
  EXPECT_EQ(key_cache_from_json(R"({"ttl_s":60,"colour":"red"})").ttl, std::chrono::seconds(60));
  EXPECT_EQ(key_cache_from_json("not json").mode, config::CacheSpec::Mode::kOff);
  EXPECT_EQ(key_cache_from_json(R"({"mode":"sideways"})").mode, config::CacheSpec::Mode::kOff);
  EXPECT_EQ(boost::json::serialize(key_to_json(k).at("cache")),
            R"({"mode":"exact","ttl_s":60,"scope":"team","client_controls":false})");

  ASSERT_FALSE(apply_key_fields(boost::json::parse(R"({"cache":"off"})").as_object(), k));
  ASSERT_TRUE(k.cache);
  EXPECT_EQ(k.cache->mode, config::CacheSpec::Mode::kOff);
  EXPECT_FALSE(k.cache->ttl) << "off replaces the settings, it does not merge into them";
  ASSERT_FALSE(apply_key_fields(boost::json::parse(R"({"cache":null})").as_object(), k));
  EXPECT_FALSE(k.cache);
  EXPECT_TRUE(key_to_json(k).at("cache").is_null());
}

// Found by probing: an unknown field's name came back whole in the error (2 MB of it).
TEST(KeyJson, ErrorsQuoteAtMostAShortName) {
  config::KeySpec k;
  k.id = "key_1";
  const std::string huge(100'000, 'y');
  boost::json::object body{{"name", "a"}, {"cache", boost::json::object{{huge, 1}}}};
  auto e = apply_key_fields(body, k);
  ASSERT_TRUE(e);
  EXPECT_LT(e->message.size(), 200U);
  body = boost::json::object{{"name", "a"}, {huge, 1}};
  e = apply_key_fields(body, k);
  ASSERT_TRUE(e);
  EXPECT_LT(e->message.size(), 250U);  // (the list of key fields, and 64 bytes of the name)
  EXPECT_LT(e->param.size(), 100U);
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
