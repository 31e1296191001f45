#include "model/usage.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::model {

TEST(Usage, ReadsOpenAiShapeWithDetails) {
  auto v = boost::json::parse(R"({"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,
    "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}})");
  Usage u = usage_from_openai(&v);
  EXPECT_EQ(u.prompt_tokens, 10u);
  EXPECT_EQ(u.completion_tokens, 5u);
  EXPECT_EQ(u.total_tokens, 15u);
  EXPECT_EQ(u.cached_tokens, 4u);
  EXPECT_EQ(u.reasoning_tokens, 2u);
  EXPECT_EQ(boost::json::value(usage_to_openai(u)), v);
}

TEST(Usage, MissingIsNotZero) {
  boost::json::value null_usage = nullptr;
  EXPECT_TRUE(usage_from_openai(&null_usage).empty());
  EXPECT_TRUE(usage_from_openai(nullptr).empty());
  auto embeddings = boost::json::parse(R"({"prompt_tokens":3,"total_tokens":3})");
  Usage u = usage_from_openai(&embeddings);
  EXPECT_FALSE(u.completion_tokens.has_value());
  EXPECT_EQ(u.total_tokens, 3u);
}

TEST(Usage, TotalIsDerivedWhenAbsent) {
  auto v = boost::json::parse(R"({"prompt_tokens":2,"completion_tokens":3})");
  EXPECT_EQ(usage_from_openai(&v).total_tokens, 5u);
}

}  // namespace sluice::model
