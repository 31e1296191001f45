// Routing keys of the config: routes with strategies and policies, an endpoint's own fallbacks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace sluice::config {
namespace {

using ::testing::HasSubstr;

const EnvLookup no_env = [](const std::string&) { return std::nullopt; };

constexpr const char* kEndpoints = R"(endpoints:
  - {name: a, endpoint_type: llm/v1/chat, model: {provider: mock}}
  - {name: b, endpoint_type: llm/v1/chat, model: {provider: mock}}
  - {name: c, endpoint_type: llm/v1/chat, model: {provider: mock}}
  - {name: e, endpoint_type: llm/v1/embeddings, model: {provider: mock}}
)";

Result<SnapshotPtr> load(const std::string& rest) {
  return load_string(std::string(kEndpoints) + rest, "cfg.yaml", no_env);
}

TEST(RouteConfig, EveryKeyOfARoute) {
  auto r = load(R"(routes:
  - name: smart-chat
    task_type: llm/v1/chat
    strategy: fallback
    destinations:
      - {name: a, weight: 3}
      - {name: b, weight: 1}
      - {name: c, larger_context: true}
    retry: {attempts: 2, backoff_ms: 100, max_backoff_ms: 2000, on: [429, 503, 5xx, timeout]}
    timeout: {connect_ms: 2000, first_byte_ms: 20000, total_ms: 120000, stream_idle_ms: 30000}
    circuit_breaker: {failures: 5, window_s: 30, cooldown_s: 20}
    allow_pin: true
    fallback: true
)");
  ASSERT_TRUE(r) << r.error().message;
  const Route& route = *(*r)->find_route("smart-chat");
  EXPECT_EQ(route.strategy, Strategy::kFallback);
  ASSERT_EQ(route.destinations.size(), 3u);
  EXPECT_EQ(route.destinations[0].weight, 3u);
  EXPECT_TRUE(route.destinations[0].weighted);
  EXPECT_FALSE(route.destinations[2].weighted);
  EXPECT_TRUE(route.destinations[2].larger_context);
  EXPECT_EQ(route.retry.attempts, 2u);
  EXPECT_EQ(route.retry.backoff, Millis(100));
  EXPECT_EQ(route.retry.max_backoff, Millis(2000));
  EXPECT_TRUE(route.retry.statuses.test(429));
  EXPECT_TRUE(route.retry.statuses.test(599));
  EXPECT_TRUE(route.retry.on_timeout);
  EXPECT_FALSE(route.retry.on_connect);  // `on` replaces the default list
  ASSERT_TRUE(route.timeout);
  EXPECT_EQ(route.timeout->first_byte, Millis(20000));
  EXPECT_EQ(route.timeout->total, Millis(120000));
  EXPECT_EQ(route.breaker.failures, 5u);
  EXPECT_EQ(route.breaker.window, Millis(30000));
  EXPECT_EQ(route.breaker.cooldown, Millis(20000));
  EXPECT_TRUE(route.allow_pin);
  EXPECT_FALSE(route.mlflow_shape);
  EXPECT_FALSE(route.reprepare);
}

TEST(RouteConfig, StrategyDefaultsToFallbackUnlessWrittenAsMlflowSplit) {
  auto r = load(R"(routes:
  - name: chain
    task_type: llm/v1/chat
    destinations: [{name: a}, {name: b}]
  - name: ab
    task_type: llm/v1/chat
    destinations: [{name: a, traffic_percentage: 90}, {name: b, traffic_percentage: 10}]
)");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->find_route("chain")->strategy, Strategy::kFallback);
  EXPECT_EQ((*r)->find_route("ab")->strategy, Strategy::kSplit);
  EXPECT_TRUE((*r)->find_route("ab")->mlflow_shape);
  EXPECT_EQ((*r)->find_route("chain")->retry.attempts, 0u);
}

TEST(RouteConfig, EndpointFallbacksBecomeARouteStartingWithIt) {
  auto r = load(R"(  - name: main
    endpoint_type: llm/v1/chat
    model: {provider: mock}
    fallbacks: [b, c]
    retry: {attempts: 1}
    circuit_breaker: {failures: 3}
    prompt_template: "Say {{ x }}"
)");
  ASSERT_TRUE(r) << r.error().message;
  const Endpoint* main = (*r)->find("main");
  ASSERT_TRUE(main && main->routing);
  const Route& route = *main->routing;
  EXPECT_TRUE(route.implicit);
  EXPECT_EQ(route.strategy, Strategy::kFallback);
  ASSERT_EQ(route.destinations.size(), 3u);
  EXPECT_EQ(route.destinations[0].name, "main");
  EXPECT_EQ(route.destinations[1].name, "b");
  EXPECT_EQ(route.destinations[2].name, "c");
  EXPECT_EQ(route.retry.attempts, 1u);
  EXPECT_EQ(route.breaker.failures, 3u);
  EXPECT_EQ(route.breaker.window, Millis(30000));  // defaults
  EXPECT_EQ(route.breaker.cooldown, Millis(20000));
  EXPECT_TRUE(route.reprepare);  // main has a template, b and c do not
  EXPECT_EQ((*r)->find("a")->routing, nullptr);
  EXPECT_NE((*r)->find("a")->health, nullptr);
}

struct BadRoute {
  const char* name;
  const char* yaml;
  const char* where;
  const char* message;
};

class RouteConfigRejects : public ::testing::TestWithParam<BadRoute> {};

TEST_P(RouteConfigRejects, WithPositionAndReason) {
  const auto& c = GetParam();
  auto r = load(c.yaml);
  ASSERT_FALSE(r) << c.name;
  EXPECT_THAT(r.error().message, HasSubstr(c.where)) << r.error().message;
  EXPECT_THAT(r.error().message, HasSubstr(c.message)) << r.error().message;
}

// Line numbers count the four endpoint lines and the `endpoints:` line before `rest`.
INSTANTIATE_TEST_SUITE_P(
    Validation, RouteConfigRejects,
    ::testing::Values(
        BadRoute{"UnknownStrategy",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n    strategy: fastest\n"
                 "    destinations: [{name: a}]\n",
                 "cfg.yaml:9:15", "unknown strategy 'fastest'"},
        BadRoute{"PercentageOutsideSplit",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n    strategy: weighted\n"
                 "    destinations: [{name: a, traffic_percentage: 100}]\n",
                 "cfg.yaml:10:50", "traffic_percentage belongs to the split strategy"},
        BadRoute{"WeightInSplit",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n    strategy: split\n"
                 "    destinations: [{name: a, weight: 1}]\n",
                 "cfg.yaml:10:38", "the split strategy uses traffic_percentage"},
        BadRoute{"AllWeightsZero",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n    strategy: weighted\n"
                 "    destinations: [{name: a, weight: 0}]\n",
                 "cfg.yaml:10:19", "at least one weight must be above 0"},
        BadRoute{"CostMissing",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n    strategy: cost\n"
                 "    destinations: [{name: a, cost: 1}, {name: b}]\n",
                 "cfg.yaml:10:40", "needs each destination's cost"},
        BadRoute{"CostNegative",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n    strategy: cost\n"
                 "    destinations: [{name: a, cost: -1}]\n",
                 "cfg.yaml:10:36", "0 or more"},
        BadRoute{"RetryOnClientError",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
                 "    destinations: [{name: a}]\n    retry: {on: [429, 400]}\n",
                 "cfg.yaml:10:23", "400 is the caller's error and is never retried"},
        BadRoute{"RetryOnUnknownWord",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
                 "    destinations: [{name: a}]\n    retry: {on: [sometimes]}\n",
                 "cfg.yaml:10:18", "must be an integer"},
        BadRoute{"TooManyAttempts",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
                 "    destinations: [{name: a}]\n    retry: {attempts: 50}\n",
                 "cfg.yaml:10:23", "must be between 0 and 10"},
        BadRoute{
            "MaxBackoffBelowBase",
            "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
            "    destinations: [{name: a}]\n    retry: {backoff_ms: 500, max_backoff_ms: 100}\n",
            "cfg.yaml:10:46", "must not be less than backoff_ms"},
        BadRoute{"BreakerWithoutFailures",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
                 "    destinations: [{name: a}]\n    circuit_breaker: {window_s: 5}\n",
                 "cfg.yaml:10:22", "failures is required"},
        BadRoute{"FallbackNotBoolean",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
                 "    destinations: [{name: a}]\n    fallback: maybe\n",
                 "cfg.yaml:10:15", "must be true or false"},
        BadRoute{"FallbackToUnknownEndpoint",
                 "  - {name: m, endpoint_type: llm/v1/chat, model: {provider: mock}, "
                 "fallbacks: [zz]}\n",
                 "cfg.yaml:6:80", "'zz' is not an endpoint"},
        BadRoute{"FallbackOfAnotherType",
                 "  - {name: m, endpoint_type: llm/v1/chat, model: {provider: mock}, "
                 "fallbacks: [e]}\n",
                 "cfg.yaml:6:80",
                 "endpoint 'e' is llm/v1/embeddings, not the endpoint_type of 'm'"},
        BadRoute{"FallbackToItself",
                 "  - {name: m, endpoint_type: llm/v1/chat, model: {provider: mock}, "
                 "fallbacks: [b, m]}\n",
                 "cfg.yaml:6:83", "'m' is already in the chain"},
        BadRoute{"StrategyAgainstMlflowSplit",
                 "routes:\n  - name: r\n    task_type: llm/v1/chat\n"
                 "    routing_strategy: TRAFFIC_SPLIT\n    strategy: fallback\n"
                 "    destinations: [{name: a, traffic_percentage: 100}]\n",
                 "cfg.yaml:10:15", "routing_strategy TRAFFIC_SPLIT is the split strategy"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sluice::config
