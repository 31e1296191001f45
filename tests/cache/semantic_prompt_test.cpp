#include "cache/semantic_prompt.hpp"

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

// At temperature 0 unless the body sets one (a request without one is not looked up: below).
std::optional<SemanticPrompt> prompt(const char* body, config::CacheSpec spec = {}) {
  model::Request r = request(body);
  if (!r.body.contains("temperature")) r.body["temperature"] = 0;
  return semantic_prompt(r, spec, "chat", "g");
}

TEST(SemanticPrompt, EmbedsTheLastUserTurnAndComparesTheSystemPromptExactly) {
  auto p = prompt(R"({"messages":[{"role":"system","content":"Be brief."},
                                  {"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"there"}]}]})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->text, "Hi\nthere");
  auto other = prompt(
      R"({"messages":[{"role":"system","content":"Be long."},{"role":"user","content":"Hi there"}]})");
  ASSERT_TRUE(other);
  EXPECT_NE(p->context, other->context);
  config::CacheSpec ignore;
  ignore.ignore_system = true;
  auto a = prompt(
      R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]})",
      ignore);
  auto b = prompt(
      R"({"messages":[{"role":"system","content":"Be long."},{"role":"user","content":"Hi"}]})",
      ignore);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->text, "Hi");
  EXPECT_EQ(a->context, b->context);
}

TEST(SemanticPrompt, TheContextHoldsEverythingElse) {
  const auto base = prompt(R"({"messages":[{"role":"user","content":"Hi"}],"seed":1})");
  ASSERT_TRUE(base);
  // The last turn's words are not in the context; parameters and earlier turns are.
  EXPECT_EQ(base->context,
            prompt(R"({"messages":[{"role":"user","content":"Hello"}],"seed":1})")->context);
  EXPECT_NE(base->context,
            prompt(R"({"messages":[{"role":"user","content":"Hi"}],"seed":2})")->context);
  EXPECT_NE(base->context,
            prompt(R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},
                                   {"role":"user","content":"Hi"}],"seed":1})")
                ->context);
  // Ignored fields stay ignored.
  EXPECT_EQ(
      base->context,
      prompt(R"({"messages":[{"role":"user","content":"Hi"}],"seed":1,"user":"u","stream":true})")
          ->context);
  EXPECT_NE(base->context,
            semantic_prompt(request(R"({"messages":[{"role":"user","content":"Hi"}],"seed":1})"),
                            {}, "chat", "k:other")
                ->context);
}

TEST(SemanticPrompt, WhatIsNotLookedUp) {
  config::CacheSpec two;
  two.max_messages = 2;
  EXPECT_FALSE(
      prompt(R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},
                                      {"role":"user","content":"c"}]})",
             two));
  EXPECT_FALSE(prompt(R"({"messages":[{"role":"user","content":"Hi"}],"temperature":0.5})"));
  // No temperature is the provider's default, 1: an answer meant to vary.
  EXPECT_FALSE(semantic_prompt(request(R"({"messages":[{"role":"user","content":"Hi"}]})"), {},
                               "chat", "g"));
  config::CacheSpec warm;
  warm.temperature_max = 0.7;
  EXPECT_TRUE(prompt(R"({"messages":[{"role":"user","content":"Hi"}],"temperature":0.5})", warm));
  EXPECT_FALSE(prompt(R"({"messages":[{"role":"assistant","content":"Hi"}]})"));
  EXPECT_FALSE(prompt(
      R"({"messages":[{"role":"tool","tool_call_id":"t","content":"x"},{"role":"user","content":"Hi"}]})"));
  EXPECT_FALSE(prompt(
      R"({"messages":[{"role":"assistant","content":null,"tool_calls":[]},{"role":"user","content":"Hi"}]})"));
  EXPECT_FALSE(prompt(
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:,"}}]}]})"));
  EXPECT_FALSE(prompt(R"({"messages":[]})"));
  auto embeddings = request(R"({"input":"x"})");
  embeddings.operation = model::Operation::kEmbeddings;
  EXPECT_FALSE(semantic_prompt(embeddings, {}, "e", "g"));
}

}  // namespace
}  // namespace sluice::cache
