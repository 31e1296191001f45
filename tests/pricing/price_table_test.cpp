// Price lookup (exact, longest prefix, provider aliases) and cost with cached, cache-write and
// reasoning tokens, the built-in table included.
#include "pricing/price_table.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/loader.hpp"

namespace sluice::pricing {
namespace {

TEST(PriceTable, LongestPrefixAtAWordBoundary) {
  PriceTable t;
  t.set("openai", "gpt-4o", {2.5, 10, 1.25, {}, {}});
  t.set("openai", "gpt-4o-mini", {0.15, 0.6, {}, {}, {}});
  t.set("openai", "gpt-4", {30, 60, {}, {}, {}});
  EXPECT_EQ(t.find("openai", "gpt-4o-2024-08-06")->input, 2.5);
  EXPECT_EQ(t.find("openai", "gpt-4o-mini-2024-07-18")->input, 0.15);
  EXPECT_EQ(t.find("openai", "gpt-4-0613")->input, 30);
  EXPECT_EQ(t.find("openai", "gpt-4omni"), nullptr);  // "gpt-4o" only before - : @ .
  EXPECT_EQ(t.find("azure", "gpt-4o")->input, 2.5);
  EXPECT_EQ(t.find("groq", "gpt-4o"), nullptr);
}

TEST(Cost, CachedCacheWriteAndReasoningTokensArePricedApart) {
  const ModelPrice p{3, 15, 0.3, 3.75, {}};
  model::Usage u;
  u.prompt_tokens = 1'000'000;  // of which 600k read from cache, 100k written to it
  u.cached_tokens = 600'000;
  u.cache_write_tokens = 100'000;
  u.completion_tokens = 200'000;
  u.reasoning_tokens = 50'000;
  // 300k fresh × 3 + 600k × 0.3 + 100k × 3.75 + 200k × 15 (reasoning at the output price)
  EXPECT_NEAR(*cost_usd(p, u), 0.9 + 0.18 + 0.375 + 3.0, 1e-12);
  const ModelPrice with_reasoning{3, 15, 0.3, 3.75, 60.0};
  EXPECT_NEAR(*cost_usd(with_reasoning, u), 0.9 + 0.18 + 0.375 + 150'000 * 15e-6 + 50'000 * 60e-6,
              1e-12);
  EXPECT_FALSE(cost_usd(p, model::Usage{}).has_value());
}

TEST(Cost, ReportedCountsThatDoNotAddUpAreClamped) {
  model::Usage u;
  u.prompt_tokens = 10;
  u.cached_tokens = 50;  // more cached than prompt: priced as 10 cached, none fresh
  u.completion_tokens = 0;
  EXPECT_NEAR(*cost_usd({1, 2, 0.5, {}, {}}, u), 10 * 0.5e-6, 1e-15);
}

TEST(BuiltinTable, LoadsWithEveryConfigAndConfigEntriesWin) {
  auto loaded = config::load_string(R"(
pricing:
  openai:
    gpt-4o: {input: 1, output: 2}
endpoints:
  - name: c
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: x}
)",
                                    "test.yaml");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& prices = *(*loaded)->governance.prices;
  EXPECT_GT(prices.size(), 50u);
  EXPECT_EQ(prices.find("openai", "gpt-4o")->input, 1);
  EXPECT_EQ(prices.find("anthropic", "claude-sonnet-4-20250514")->cache_write, 3.75);
  EXPECT_EQ(prices.find("bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0")->input, 0.8);
  EXPECT_EQ(prices.find("vertex_ai", "gemini-2.5-flash")->output, 2.5);
}

// Gemini 2.5 Pro and Claude's 1M-token window bill a whole request at higher rates once its
// prompt passes 200k tokens (issue 15: prices that match the provider's bill).
TEST(Cost, APromptPastTheLongContextBoundIsBilledWhollyAtItsRates) {
  auto loaded = config::load_string(R"(
endpoints:
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock, name: x}}
)",
                                    "test.yaml");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& prices = *(*loaded)->governance.prices;
  const ModelPrice* gemini = prices.find("gemini", "gemini-2.5-pro");
  ASSERT_NE(gemini, nullptr);
  model::Usage at_bound;
  at_bound.prompt_tokens = 200'000;
  at_bound.completion_tokens = 1'000;
  EXPECT_NEAR(*cost_usd(*gemini, at_bound), 200'000 * 1.25e-6 + 1'000 * 10e-6, 1e-12);
  model::Usage past = at_bound;
  past.prompt_tokens = 200'001;
  EXPECT_NEAR(*cost_usd(*gemini, past), 200'001 * 2.5e-6 + 1'000 * 15e-6, 1e-12);
  const ModelPrice* sonnet = prices.find("anthropic", "claude-sonnet-4-5-20250929");
  ASSERT_NE(sonnet, nullptr);
  model::Usage cached;
  cached.prompt_tokens = 300'000;
  cached.cached_tokens = 100'000;
  cached.cache_write_tokens = 100'000;
  cached.completion_tokens = 10;
  EXPECT_NEAR(*cost_usd(*sonnet, cached),
              100'000 * 6e-6 + 100'000 * 0.6e-6 + 100'000 * 7.5e-6 + 10 * 22.5e-6, 1e-12);
  // A config entry may say its own bound; one without above_tokens is a load error.
  auto own = config::load_string(R"(
pricing:
  openai:
    big: {input: 1, output: 2, long_context: {above_tokens: 1000, input: 3, output: 4}}
endpoints:
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock, name: x}}
)",
                                 "test.yaml");
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_EQ((*own)->governance.prices->find("openai", "big")->long_context_above, 1000u);
  EXPECT_FALSE(config::load_string(R"(
pricing:
  openai:
    big: {input: 1, output: 2, long_context: {input: 3, output: 4}}
endpoints:
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock, name: x}}
)",
                                   "test.yaml"));
}

TEST(BuiltinTable, NegativeOrNonNumericPricesAreLoadErrors) {
  for (const char* bad : {"{input: -1, output: 2}", "{input: ten, output: 2}", "{input: 1}"}) {
    auto loaded = config::load_string(std::string("pricing:\n  openai:\n    m: ") + bad + R"(
endpoints:
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock, name: x}}
)",
                                      "test.yaml");
    EXPECT_FALSE(loaded) << bad;
  }
}

// The tier an answer says served it (OpenAI's service_tier), and a provider's own bill.
TEST(Cost, TheTierThatServedAndTheProvidersOwnBillSetThePrice) {
  auto loaded = config::load_string(R"(
pricing:
  openai:
    house: {input: 2, output: 8, service_tiers: {flex: {input: 1, output: 4}}}
endpoints:
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock, name: x}}
)",
                                    "test.yaml");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& prices = *(*loaded)->governance.prices;
  const ModelPrice& house = *prices.find("openai", "house");
  model::Usage u;
  u.prompt_tokens = 1'000'000;
  u.completion_tokens = 1'000'000;
  EXPECT_DOUBLE_EQ(*cost_usd(house, u), 10.0);
  u.service_tier = "flex";
  EXPECT_DOUBLE_EQ(*cost_usd(house, u), 5.0);
  u.service_tier = "priority";  // not priced for this model: standard
  EXPECT_DOUBLE_EQ(*cost_usd(house, u), 10.0);
  // The built-in table has OpenAI's tiers and says its date.
  const ModelPrice& gpt5 = *prices.find("openai", "gpt-5-2025-08-07");
  EXPECT_DOUBLE_EQ(gpt5.for_tier("priority").output, 20.0);
  EXPECT_DOUBLE_EQ(gpt5.for_tier("flex").input, 0.625);
  EXPECT_EQ(prices.updated().size(), 10u);
  // usage.cost (OpenRouter) is read as the bill; nonsense is not.
  const auto read = [](const char* usage) {
    const auto v = boost::json::parse(usage);
    return model::usage_from_openai(&v).billed_usd;
  };
  EXPECT_DOUBLE_EQ(read(R"({"prompt_tokens":3,"completion_tokens":1,"cost":0.0042})").value_or(-1),
                   0.0042);
  EXPECT_FALSE(read(R"({"prompt_tokens":3,"completion_tokens":1,"cost":-1})"));
  EXPECT_FALSE(read(R"({"prompt_tokens":3,"completion_tokens":1,"cost":"0.1"})"));
  EXPECT_FALSE(read(R"({"cost":0.5})")) << "a bill without usage is not one";
}

TEST(BuiltinTable, AServiceTierMustBeRates) {
  for (const char* bad :
       {"{input: 1, output: 2, service_tiers: [flex]}",
        "{input: 1, output: 2, service_tiers: {flex: {input: 1}}}",
        "{input: 1, output: 2, service_tiers: {flex: {input: 1, output: 1, x: 1}}}"}) {
    auto loaded = config::load_string(std::string("pricing:\n  openai:\n    m: ") + bad + R"(
endpoints:
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock, name: x}}
)",
                                      "test.yaml");
    EXPECT_FALSE(loaded) << bad;
  }
}

}  // namespace
}  // namespace sluice::pricing
