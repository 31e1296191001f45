// The governance policies (auth, budgets, limits, accounting) and MLflow's per-endpoint limit,
// each through the real chain and handler with a fake responder: what the client gets, the
// headers, and what reaches the ledger.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

#include "admin/admin_api.hpp"
#include "support/handler_harness.hpp"

namespace sluice::policies {
namespace {

namespace json = boost::json;
using testing_support::FakeResponder;
using testing_support::HandlerHarness;

constexpr const char* kKey = "sk-sluice-test-key-0123456789abcdefghijklmnop";
constexpr const char* kNarrowKey = "sk-sluice-test-narrow-0123456789abcdefghijkl";
constexpr const char* kChat = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";

pipeline::HeaderList bearer(const char* key) {
  return {{"authorization", std::string("Bearer ") + key}};
}

std::string temp_db() {
  char dir[] = "/tmp/sluice-policies-XXXXXX";
  const char* made = mkdtemp(dir);
  return std::string(made != nullptr ? made : "/tmp") + "/ledger.db";
}

std::string error_code(const FakeResponder& out) {
  const auto v = json::parse(out.body);
  const auto* code = v.at("error").as_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : "";
}

const char* kEndpoints = R"(
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat, config: {text: "one two three", prompt_tokens: 4, completion_tokens: 3}}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock, name: mock-embeddings}
)";

}  // namespace

TEST(GovernancePolicies, AuthRefusesMissingUnknownAndOutOfScopeKeys) {
  const std::string yaml = std::string(R"(
auth:
  mode: keys
  pepper: test-pepper-0123456789abcdef0123
  keys:
    - {name: all, key: "${{ secrets.KEY }}"}
    - {name: narrow, key: "${{ secrets.NARROW }}", endpoints: [embeddings]}
)") + kEndpoints;
  HandlerHarness h(yaml.c_str(), nullptr, {{"KEY", kKey}, {"NARROW", kNarrowKey}});
  FakeResponder missing = h.send("POST", "/v1/chat/completions", kChat);
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(error_code(missing), "missing_api_key");
  FakeResponder unknown =
      h.send("POST", "/v1/chat/completions", kChat, bearer("sk-sluice-not-a-key-000000000000"));
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(error_code(unknown), "invalid_api_key");
  EXPECT_EQ(unknown.body.find("not-a-key"), std::string::npos);  // never echoed
  FakeResponder narrow = h.send("POST", "/v1/chat/completions", kChat, bearer(kNarrowKey));
  EXPECT_EQ(narrow.status, 403u);
  EXPECT_EQ(error_code(narrow), "endpoint_not_allowed");
  EXPECT_EQ(h.send("POST", "/v1/chat/completions", kChat, bearer(kKey)).status, 200u);
  // x-api-key works too, and the operational paths need no key.
  EXPECT_EQ(h.send("POST", "/v1/chat/completions", kChat, {{"x-api-key", kKey}}).status, 200u);
  EXPECT_EQ(h.send("GET", "/health").status, 200u);
}

TEST(GovernancePolicies, LimitsCountReportAndRefuseWithRetryAfter) {
  const std::string yaml = std::string(R"(
limits:
  - {scope: global, requests: 2, per: minute}
)") + kEndpoints;
  HandlerHarness h(yaml.c_str());
  FakeResponder first = h.send("POST", "/v1/chat/completions", kChat);
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(first.header("x-ratelimit-limit-requests"), "2");
  EXPECT_EQ(first.header("x-ratelimit-remaining-requests"), "1");
  EXPECT_FALSE(first.header("x-ratelimit-reset-requests").empty());
  EXPECT_EQ(h.send("POST", "/v1/chat/completions", kChat).status, 200u);
  FakeResponder refused = h.send("POST", "/v1/chat/completions", kChat);
  EXPECT_EQ(refused.status, 429u);
  EXPECT_EQ(error_code(refused), "rate_limit_exceeded");
  EXPECT_FALSE(refused.header("Retry-After").empty());
  EXPECT_EQ(refused.header("x-ratelimit-remaining-requests"), "0");
}

TEST(GovernancePolicies, TokenLimitsReserveThenSettleToTheReportedUsage) {
  // 50 tokens a minute; each request reserves its prompt estimate plus max_tokens (20), about
  // 28, then settles to what the provider reported (7): without the settling the second would
  // not fit.
  const std::string yaml = std::string(R"(
limits:
  - {scope: global, tokens: 50, per: minute}
)") + kEndpoints;
  HandlerHarness h(yaml.c_str());
  const char* body =
      R"({"model":"chat","max_tokens":20,"messages":[{"role":"user","content":"hi"}]})";
  for (int i = 0; i < 3; ++i) {
    FakeResponder out = h.send("POST", "/v1/chat/completions", body);
    EXPECT_EQ(out.status, 200u) << i << ": " << out.body;
  }
  FakeResponder big =
      h.send("POST", "/v1/chat/completions",
             R"({"model":"chat","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(big.status, 429u);
  EXPECT_EQ(error_code(big), "tokens_rate_limit_exceeded");
  EXPECT_NE(big.body.find("This request alone needs about"), std::string::npos);
}

TEST(GovernancePolicies, AccountingPricesEachRequestAndBudgetsStopTheNext) {
  const std::string db = temp_db();
  const std::string yaml = std::string(R"(
stores: {sqlite: )") + db + R"(}
accounting: {cost_header: true}
pricing:
  mock:
    mock-chat: {input: 1000000, output: 1000000}
budgets:
  - {scope: global, usd: 15, per: day}
)" + kEndpoints;
  {
    HandlerHarness h(yaml.c_str());
    // At most ~8 prompt tokens (by the tokenizer) + 3 output tokens at $1: a worst case of ~$11
    // fits the $15 budget once; after the first's $7, it does not.
    const char* chat = R"({"model":"chat","max_tokens":3,"messages":[{"role":"user","content":"hi"}]})";
    FakeResponder first = h.send("POST", "/v1/chat/completions", chat);
    EXPECT_EQ(first.status, 200u);
    // 4 prompt + 3 completion tokens at $1 each.
    EXPECT_EQ(first.header("x-sluice-cost-usd"), "7.00000000");
    FakeResponder refused = h.send("POST", "/v1/chat/completions", chat);
    EXPECT_EQ(refused.status, 429u);
    EXPECT_EQ(error_code(refused), "budget_exceeded");
    // The ledger has the one request that reached the provider.
    auto spend = admin::handle_admin({"GET", "/admin/spend", "by=endpoint&format=json", ""},
                                     h.runtime, *h.snapshot);
    ASSERT_FALSE(spend.error);
    auto rows = json::parse(spend.body).at("data").as_array();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].at("endpoint"), "chat");
    EXPECT_EQ(rows[0].at("requests"), 1);
    EXPECT_DOUBLE_EQ(rows[0].at("cost_usd").to_number<double>(), 7.0);
  }
  std::filesystem::remove_all(std::filesystem::path(db).parent_path());
}

TEST(GovernancePolicies, MlflowsEndpointLimitCountsPerClient) {
  HandlerHarness h(R"(
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat}
    limit: {renewal_period: minute, calls: 1}
)");
  EXPECT_EQ(h.send("POST", "/endpoints/chat/invocations",
                   R"({"messages":[{"role":"user","content":"hi"}]})")
                .status,
            200u);
  FakeResponder refused = h.send("POST", "/endpoints/chat/invocations",
                                 R"({"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(refused.status, 429u);
  EXPECT_NE(refused.body.find("Rate limit exceeded: 1 per 1 minute"), std::string::npos);
  // The same endpoint through /v1 counts too.
  EXPECT_EQ(h.send("POST", "/v1/chat/completions", kChat).status, 429u);
}

}  // namespace sluice::policies
