#include "cache/cached_answer.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::cache {
namespace {
namespace json = boost::json;

CachedAnswer sample() {
  CachedAnswer a;
  a.response.body =
      json::parse(
          R"({"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"héllo"},"finish_reason":"stop"}]})")
          .as_object();
  a.response.usage.prompt_tokens = 11;
  a.response.usage.completion_tokens = 7;
  a.response.usage.total_tokens = 18;
  a.response.usage.cached_tokens = 3;
  a.response.usage.cache_write_tokens = 2;
  a.response.usage.service_tier = "flex";
  a.response.usage.billed_usd = 0.25;
  a.stored_ms = 1000;
  a.expires_ms = 2000;
  a.endpoint = "chat";
  a.scope = "t:team-a";
  return a;
}

TEST(CachedAnswer, RoundTripsThroughTextAndCompression) {
  const CachedAnswer a = sample();
  const std::string text = encode(a);
  auto back = decode(*decompress(compress(text), 1 << 20));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->response.body, a.response.body);
  EXPECT_EQ(back->response.usage.prompt_tokens, 11U);
  EXPECT_EQ(back->response.usage.completion_tokens, 7U);
  EXPECT_EQ(back->response.usage.cached_tokens, 3U);
  EXPECT_EQ(back->response.usage.cache_write_tokens, 2U);
  EXPECT_EQ(back->response.usage.service_tier, "flex");
  EXPECT_EQ(back->response.usage.billed_usd, 0.25);
  EXPECT_EQ(back->stored_ms, 1000);
  EXPECT_EQ(back->expires_ms, 2000);
  EXPECT_EQ(back->endpoint, "chat");
  EXPECT_EQ(back->scope, "t:team-a");
  EXPECT_EQ(back->bytes, text.size());
}

TEST(CachedAnswer, ProviderBytesAreStoredAsTheyCame) {
  CachedAnswer a = sample();
  a.response.raw = R"({"id":"raw","choices":[]})";
  auto back = decode(encode(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->response.body.at("id"), "raw");
}

TEST(CachedAnswer, RefusesWhatIsNotOne) {
  EXPECT_FALSE(decode("not json"));
  EXPECT_FALSE(
      decode(R"({"v":2,"body":{},"endpoint":"e","scope":"g","stored_ms":1,"expires_ms":2})"));
  EXPECT_FALSE(decode(R"({"v":1,"endpoint":"e","scope":"g","stored_ms":1,"expires_ms":2})"));
  EXPECT_FALSE(
      decode(R"({"v":1,"body":[],"endpoint":"e","scope":"g","stored_ms":1,"expires_ms":2})"));
  EXPECT_FALSE(decompress("not zstd", 1 << 20));
  // A frame that would expand past the bound is refused before it is.
  EXPECT_FALSE(decompress(compress(std::string(10000, 'a')), 9999));
}

}  // namespace
}  // namespace sluice::cache
