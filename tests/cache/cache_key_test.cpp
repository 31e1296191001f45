#include "cache/cache_key.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::cache {
namespace {
namespace json = boost::json;

model::Request request(const char* body) {
  model::Request r;
  r.operation = model::Operation::kChat;
  r.body = json::parse(body).as_object();
  return r;
}

std::string key_of(const char* body, std::string_view scope = "k:a") {
  return cache_key(request(body), "chat\nopenai\ngpt", scope);
}

TEST(CacheKey, MemberOrderAndWhitespaceDoNotMatter) {
  EXPECT_EQ(key_of(R"({"messages":[{"role":"user","content":"hi"}],"temperature":0})"),
            key_of(R"({ "temperature" : 0,
                        "messages" : [ { "content":"hi", "role":"user" } ] })"));
}

TEST(CacheKey, FieldsThatDoNotChangeTheAnswerAreLeftOut) {
  const auto base = key_of(R"({"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(base, key_of(R"({"messages":[{"role":"user","content":"hi"}],"model":"x",
                             "user":"u1","metadata":{"a":"b"},"stream":true,
                             "stream_options":{"include_usage":true},"store":false,
                             "safety_identifier":"s","prompt_cache_key":"p"})"));
}

TEST(CacheKey, FieldsThatChangeTheAnswerAreIn) {
  const auto base = key_of(R"({"messages":[{"role":"user","content":"hi"}]})");
  for (
      const char* changed :
      {R"({"messages":[{"role":"user","content":"hi!"}]})",
       R"({"messages":[{"role":"user","content":"hi"}],"temperature":0.5})",
       R"({"messages":[{"role":"user","content":"hi"}],"seed":1})",
       R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":5})",
       R"({"messages":[{"role":"user","content":"hi"}],"n":2})",
       R"({"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}})",
       R"({"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]})",
       // a nested `user` or `model` is content, not the request's own field
       R"({"messages":[{"role":"user","content":"hi","user":"x"}]})"}) {
    EXPECT_NE(base, key_of(changed)) << changed;
  }
}

TEST(CacheKey, ImagesCountByContent) {
  const auto a = key_of(
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]})");
  const auto b = key_of(
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAB"}}]}]})");
  EXPECT_NE(a, b);
}

TEST(CacheKey, NumbersCompareByValue) {
  EXPECT_EQ(key_of(R"({"messages":[],"temperature":1.0})"),
            key_of(R"({"messages":[],"temperature":1})"));
  EXPECT_NE(key_of(R"({"messages":[],"temperature":0.7})"),
            key_of(R"({"messages":[],"temperature":0.75})"));
}

TEST(CacheKey, TenantEndpointAndHeadersAreIn) {
  const char* body = R"({"messages":[{"role":"user","content":"hi"}]})";
  EXPECT_NE(key_of(body, "k:a"), key_of(body, "k:b"));
  EXPECT_NE(cache_key(request(body), "chat\nopenai\ngpt", "g"),
            cache_key(request(body), "chat\nopenai\ngpt-2", "g"));
  auto beta = request(body);
  beta.anthropic_beta = "interleaved-thinking-2025-05-14";
  EXPECT_NE(cache_key(beta, "x", "g"), cache_key(request(body), "x", "g"));
  // Length prefixes: moving a character from identity to scope is another key.
  EXPECT_NE(cache_key(request(body), "ab", "c"), cache_key(request(body), "a", "bc"));
}

TEST(CacheKey, ScopeIds) {
  using S = config::CacheSpec::Scope;
  EXPECT_EQ(scope_id(S::kKey, "k1", "t1"), "k:k1");
  EXPECT_EQ(scope_id(S::kTeam, "k1", "t1"), "t:t1");
  EXPECT_EQ(scope_id(S::kTeam, "k1", ""), "k:k1");  // a key without a team is its own
  EXPECT_EQ(scope_id(S::kGlobal, "k1", "t1"), "g");
}

TEST(CacheKey, CanonicalFormSortsNestedMembers) {
  std::string out;
  append_canonical(json::parse(R"({"b":{"y":1,"x":[true,null,"s"]},"a":2.5})"), out);
  EXPECT_EQ(out, R"({"a":2.5E0,"b":{"x":[true,null,"s"],"y":1}})");
}

}  // namespace
}  // namespace sluice::cache
