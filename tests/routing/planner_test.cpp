#include "routing/planner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "config/loader.hpp"
#include "routing/health/target_health.hpp"

namespace sluice::routing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Endpoints p<id>-a … p<id>-d (mock provider) and one route `r` over `destinations`. Endpoint
// health is process-wide by name, so each test uses its own prefix.
config::SnapshotPtr load(const std::string& id, const std::string& route_body) {
  std::string yaml = "endpoints:\n";
  for (const char* n : {"a", "b", "c", "d"}) {
    yaml +=
        "  - {name: " + id + "-" + n + ", endpoint_type: llm/v1/chat, model: {provider: mock}}\n";
  }
  yaml += "routes:\n  - name: r\n    task_type: llm/v1/chat\n" + route_body;
  auto r = config::load_string(yaml, "test.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : nullptr;
}

std::vector<std::string> names(const config::Route& route, const Plan& plan) {
  std::vector<std::string> out;
  for (auto i : plan) out.push_back(route.destinations[i].name);
  return out;
}

TargetHealth& health(const std::string& name) { return TargetHealth::of(name); }

const Clock::time_point now = Clock::now();

TEST(Planner, FallbackKeepsConfigOrderAndBalancesAWeightedTier) {
  auto s = load("pf", R"(    strategy: fallback
    destinations:
      - {name: pf-a, weight: 3}
      - {name: pf-b, weight: 1}
      - {name: pf-c}
)");
  ASSERT_TRUE(s);
  const auto& route = s->routes[0];
  Planner planner(42);
  std::map<std::string, int> first;
  for (int i = 0; i < 4000; ++i) {
    Plan plan;
    ASSERT_TRUE(planner.plan(route, *s, {}, now, plan));
    auto n = names(route, plan);
    ASSERT_EQ(n.size(), 3u);
    EXPECT_EQ(n[2], "pf-c");  // the unweighted one stays after the tier
    first[n[0]]++;
  }
  // 3:1 within the tier (expected 3000/1000; 5 standard deviations ≈ 137).
  EXPECT_NEAR(first["pf-a"], 3000, 140);
  EXPECT_NEAR(first["pf-b"], 1000, 140);
}

// The MLflow traffic split: the first pick follows traffic_percentage; χ² over 10 000 seeded
// draws (df = 2, 0.1 % critical value 13.82). The others follow as fallbacks.
TEST(Planner, SplitFollowsPercentages) {
  auto s = load("ps", R"(    destinations:
      - {name: ps-a, traffic_percentage: 50}
      - {name: ps-b, traffic_percentage: 30}
      - {name: ps-c, traffic_percentage: 20}
)");
  ASSERT_TRUE(s);
  const auto& route = s->routes[0];
  EXPECT_EQ(route.strategy, config::Strategy::kSplit);
  Planner planner(12345);
  std::map<std::string, int> counts;
  const int n = 10000;
  for (int i = 0; i < n; ++i) {
    Plan plan;
    ASSERT_TRUE(planner.plan(route, *s, {}, now, plan));
    ASSERT_EQ(plan.size(), 3u);
    counts[route.destinations[plan[0]].name]++;
  }
  double chi2 = 0;
  for (const auto& d : route.destinations) {
    double expected = n * d.weight / 100.0;
    double diff = counts[d.name] - expected;
    chi2 += diff * diff / expected;
  }
  EXPECT_LT(chi2, 13.82) << counts["ps-a"] << " " << counts["ps-b"] << " " << counts["ps-c"];
}

TEST(Planner, ZeroPercentIsNeverFirst) {
  auto s = load("pz", R"(    destinations:
      - {name: pz-a, traffic_percentage: 0}
      - {name: pz-b, traffic_percentage: 100}
)");
  ASSERT_TRUE(s);
  Planner planner(1);
  for (int i = 0; i < 200; ++i) {
    Plan plan;
    ASSERT_TRUE(planner.plan(s->routes[0], *s, {}, now, plan));
    EXPECT_EQ(names(s->routes[0], plan), (std::vector<std::string>{"pz-b", "pz-a"}));
  }
}

TEST(Planner, LeastBusyPutsTheFewestInFlightFirst) {
  auto s = load("pb", R"(    strategy: least_busy
    destinations: [{name: pb-a}, {name: pb-b}, {name: pb-c}]
)");
  ASSERT_TRUE(s);
  InFlight a1(&health("pb-a")), a2(&health("pb-a")), b1(&health("pb-b"));
  Planner planner(3);
  Plan plan;
  ASSERT_TRUE(planner.plan(s->routes[0], *s, {}, now, plan));
  EXPECT_EQ(names(s->routes[0], plan), (std::vector<std::string>{"pb-c", "pb-b", "pb-a"}));
}

TEST(Planner, LeastLatencyPrefersTheFastestButStillExplores) {
  auto s = load("pl", R"(    strategy: least_latency
    destinations: [{name: pl-a}, {name: pl-b}, {name: pl-c}]
)");
  ASSERT_TRUE(s);
  health("pl-a").observe_first_byte(milliseconds(100));
  health("pl-b").observe_first_byte(milliseconds(10));
  health("pl-c").observe_first_byte(milliseconds(50));
  Planner planner(9);
  std::map<std::string, int> first;
  int fastest_to_slowest = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    Plan plan;
    ASSERT_TRUE(planner.plan(s->routes[0], *s, {}, now, plan));
    first[s->routes[0].destinations[plan[0]].name]++;
    fastest_to_slowest +=
        names(s->routes[0], plan) == std::vector<std::string>{"pl-b", "pl-c", "pl-a"};
  }
  EXPECT_GT(fastest_to_slowest, n * 0.93);
  // Exploration sends ~5% to a random first choice, i.e. ~1.7% to each slow one.
  EXPECT_GT(first["pl-b"], n * 0.93);
  EXPECT_GT(first["pl-a"], 0);
  EXPECT_GT(first["pl-c"], 0);
  EXPECT_LT(first["pl-a"], n * 0.04);
}

TEST(Planner, UnmeasuredDestinationsAreTriedFirst) {
  auto s = load("pu", R"(    strategy: least_latency
    destinations: [{name: pu-a}, {name: pu-b}]
)");
  ASSERT_TRUE(s);
  health("pu-a").observe_first_byte(milliseconds(5));
  Planner planner(5);
  int b_first = 0;
  for (int i = 0; i < 100; ++i) {
    Plan plan;
    ASSERT_TRUE(planner.plan(s->routes[0], *s, {}, now, plan));
    b_first += s->routes[0].destinations[plan[0]].name == "pu-b";
  }
  EXPECT_GT(b_first, 90);
}

TEST(Planner, CostOrdersByPrice) {
  auto s = load("pc", R"(    strategy: cost
    destinations:
      - {name: pc-a, cost: 10}
      - {name: pc-b, cost: 0.5}
      - {name: pc-c, cost: 2.5}
)");
  ASSERT_TRUE(s);
  Planner planner(5);
  Plan plan;
  ASSERT_TRUE(planner.plan(s->routes[0], *s, {}, now, plan));
  EXPECT_EQ(names(s->routes[0], plan), (std::vector<std::string>{"pc-b", "pc-c", "pc-a"}));
}

TEST(Planner, OpenBreakersAreLeftOutAndAllOpenIsA503) {
  auto s = load("po", R"(    circuit_breaker: {failures: 1, window_s: 10, cooldown_s: 5}
    destinations: [{name: po-a}, {name: po-b}]
)");
  ASSERT_TRUE(s);
  const auto& route = s->routes[0];
  health("po-a").breaker.record_failure(route.breaker, now);
  Planner planner(5);
  Plan plan;
  ASSERT_TRUE(planner.plan(route, *s, {}, now, plan));
  EXPECT_EQ(names(route, plan), (std::vector<std::string>{"po-b"}));
  health("po-b").breaker.record_failure(route.breaker, now + seconds(1));
  auto r = planner.plan(route, *s, {}, now + seconds(2), plan);
  ASSERT_FALSE(r);
  EXPECT_EQ(http_status(r.error()), 503u);
  EXPECT_EQ(r.error().error_code, "circuit_open");
  EXPECT_EQ(r.error().retry_after_s, 3u);  // po-a may be probed in 3 s
  // After the cooldown, the half-open one is offered again.
  ASSERT_TRUE(planner.plan(route, *s, {}, now + seconds(5), plan));
  EXPECT_EQ(names(route, plan), (std::vector<std::string>{"po-a"}));
}

TEST(Planner, ClientsMayNarrowButOnlyWhereAllowed) {
  auto s = load("pp", R"(    allow_pin: true
    destinations: [{name: pp-a}, {name: pp-b}]
  - name: closed
    task_type: llm/v1/chat
    destinations: [{name: pp-a}, {name: pp-b}]
)");
  ASSERT_TRUE(s);
  Planner planner(5);
  Plan plan;
  ASSERT_TRUE(planner.plan(s->routes[0], *s, {"pp-b", false}, now, plan));
  EXPECT_EQ(names(s->routes[0], plan), (std::vector<std::string>{"pp-b"}));
  auto unknown = planner.plan(s->routes[0], *s, {"pp-z", false}, now, plan);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(http_status(unknown.error()), 400u);
  EXPECT_THAT(unknown.error().message, ::testing::HasSubstr("pp-a, pp-b"));
  auto refused = planner.plan(s->routes[1], *s, {"pp-b", false}, now, plan);
  ASSERT_FALSE(refused);
  EXPECT_EQ(http_status(refused.error()), 403u);
  ASSERT_TRUE(planner.plan(s->routes[1], *s, {"", true}, now, plan));
  EXPECT_EQ(names(s->routes[1], plan), (std::vector<std::string>{"pp-a"}));
}

}  // namespace
}  // namespace sluice::routing
