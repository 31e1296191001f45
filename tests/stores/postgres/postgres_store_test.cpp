// The PostgreSQL store against a real server. These tests need a database: they run when
// SLUICE_TEST_POSTGRES_URL names one (tests/integration/governance_postgres.test.mjs starts a
// server and runs them that way, and fails if any is skipped); the plain unit run skips them.
#include "stores/postgres/postgres_store.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "stores/control_store_checks.hpp"
#include "stores/postgres/migrations.hpp"
#include "stores/request_log_checks.hpp"
#include "stores/response_store_checks.hpp"
#include "stores/usage_checks.hpp"

namespace sluice::stores::postgres {
namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("SLUICE_TEST_POSTGRES_URL");
    if (url == nullptr || *url == '\0') GTEST_SKIP() << "SLUICE_TEST_POSTGRES_URL is not set";
    url_ = url;
    // Each test starts from an empty schema.
    Connection c(url_);
    c.exec(
        "DROP TABLE IF EXISTS keys, ledger, spend_daily, meta, budgets, ledger_batches, "
        "responses, request_log, config_objects, secrets, audit, schema_migrations");
  }
  std::string url_;
};

LedgerEntry entry(std::int64_t ts_ms, std::string request_id, std::string team, double cost) {
  LedgerEntry e;
  e.ts_ms = ts_ms;
  e.request_id = std::move(request_id);
  e.key_id = "key_a";
  e.team = std::move(team);
  e.endpoint = "chat";
  e.provider = "openai";
  e.model = "gpt-4o";
  e.status = 200;
  e.prompt_tokens = 10;
  e.completion_tokens = 5;
  e.cost_usd = cost;
  return e;
}

TEST_F(PostgresStoreTest, MigratesOnceAndKeysRoundTrip) {
  PostgresStore store(url_, 2);
  EXPECT_EQ(store.schema_version(), static_cast<int>(migrations().size()));
  PostgresStore again(url_, 1);  // a second replica applies nothing twice
  EXPECT_EQ(again.schema_version(), static_cast<int>(migrations().size()));

  config::KeySpec k;
  k.id = "key_a";
  k.name = "n \"quoted\" \\ back";
  k.hash = std::string(64, 'a');
  k.prefix = "sk-sluice-abcd";
  k.team = "ml";
  k.endpoints = {"chat*"};
  k.expires_at = 2'000'000'000;
  const auto v0 = store.version();
  store.insert_key(k);
  EXPECT_GT(again.version(), v0) << "the other replica sees the change";
  k.id = "key_b";
  EXPECT_THROW(store.insert_key(k), PgError) << "a hash is unique";
  auto keys = again.load_keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "n \"quoted\" \\ back");
  EXPECT_EQ(keys[0].endpoints, std::vector<std::string>{"chat*"});
  EXPECT_EQ(keys[0].expires_at, 2'000'000'000);
  EXPECT_FALSE(keys[0].cache);
  keys[0].disabled = true;
  config::KeyCache cache;
  cache.mode = config::CacheSpec::Mode::kOff;
  keys[0].cache = cache;
  keys[0].guardrails = {"pii"};
  EXPECT_TRUE(again.update_key(keys[0]));
  EXPECT_TRUE(store.load_keys()[0].disabled);
  EXPECT_EQ(store.load_keys()[0].cache, cache);
  EXPECT_EQ(store.load_keys()[0].guardrails, std::vector<std::string>{"pii"});
  EXPECT_FALSE(store.delete_key("key_missing"));
  EXPECT_TRUE(store.delete_key("key_a"));
  EXPECT_TRUE(again.load_keys().empty());
}

TEST_F(PostgresStoreTest, BudgetsRoundTrip) {
  PostgresStore store(url_, 1);
  config::BudgetSpec b;
  b.id = "bud_1";
  b.scope = config::Scope::kTeam;
  b.match = "ml";
  b.usd = 12.5;
  b.per = config::Period::kDay;
  b.alert_at = 0.5;
  store.insert_budget(b);
  EXPECT_THROW(store.insert_budget(b), PgError) << "an id is unique";
  auto loaded = store.load_budgets();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].scope, config::Scope::kTeam);
  EXPECT_EQ(loaded[0].match, "ml");
  EXPECT_DOUBLE_EQ(loaded[0].usd.value_or(0), 12.5);
  EXPECT_EQ(loaded[0].tokens, 0u);
  EXPECT_EQ(loaded[0].on_exceed, config::OnExceed::kRefuse);
  EXPECT_EQ(loaded[0].per, config::Period::kDay);
  EXPECT_DOUBLE_EQ(loaded[0].alert_at, 0.5);
  b.usd = 20;
  EXPECT_TRUE(store.update_budget(b));
  EXPECT_DOUBLE_EQ(store.load_budgets()[0].usd.value_or(0), 20);
  // A token budget with no dollar cap that falls back to another endpoint.
  b.usd.reset();
  b.tokens = 50'000;
  b.on_exceed = config::OnExceed::kFallback;
  b.fallback = "cheap";
  EXPECT_TRUE(store.update_budget(b));
  const auto tokens_only = store.load_budgets()[0];
  EXPECT_FALSE(tokens_only.usd);
  EXPECT_EQ(tokens_only.tokens, 50'000u);
  EXPECT_EQ(tokens_only.on_exceed, config::OnExceed::kFallback);
  EXPECT_EQ(tokens_only.fallback, "cheap");
  EXPECT_TRUE(store.delete_budget("bud_1"));
  EXPECT_FALSE(store.delete_budget("bud_1"));
}

TEST_F(PostgresStoreTest, LedgerSumsAndTheDailySummaryAgree) {
  PostgresStore store(url_, 1);
  const std::int64_t day = 20'000LL * 86'400'000;  // 2024-10-04
  std::vector<LedgerEntry> batch = {
      entry(day + 1, "r1", "ml", 1.25), entry(day + 2, "r2", "ml", 0.5),
      entry(day + 86'400'000, "r3", "web", 2.0), entry(day + 3, "r4 \"odd\" \xFF", "ml", 0.125)};
  store.append(batch);
  EXPECT_EQ(store.ledger_count(), 4u);
  auto by_team = store.spend({SpendBy::kTeam, 0});
  ASSERT_EQ(by_team.size(), 2u);
  EXPECT_EQ(by_team[0].group, "web");  // most spent first
  EXPECT_EQ(by_team[1].group, "ml");
  EXPECT_EQ(by_team[1].requests, 3u);
  EXPECT_DOUBLE_EQ(by_team[1].cost_usd, 1.875);
  EXPECT_EQ(by_team[1].prompt_tokens, 30u);
  auto web = store.spend({SpendBy::kKey, 0, std::nullopt, false, {{SpendBy::kTeam, "web"}}});
  ASSERT_EQ(web.size(), 1u);
  EXPECT_DOUBLE_EQ(web[0].cost_usd, 2.0);
  auto first_day = store.spend({SpendBy::kTeam, 0, day + 86'400'000});
  ASSERT_EQ(first_day.size(), 1u);
  EXPECT_DOUBLE_EQ(first_day[0].cost_usd, 1.875);
  auto per_day = store.spend({SpendBy::kDay, 0});
  ASSERT_EQ(per_day.size(), 2u);
  EXPECT_EQ(per_day[0].group, "2024-10-05");
  EXPECT_EQ(per_day[1].group, "2024-10-04");
  auto totals = store.totals_since(day);
  ASSERT_EQ(totals.size(), 2u);  // (ml, day 20000) and (web, day 20001)
  double sum = 0;
  std::uint64_t tokens = 0;
  for (const auto& t : totals) {
    sum += t.cost_usd;
    tokens += t.tokens;
  }
  EXPECT_DOUBLE_EQ(sum, 3.875);
  EXPECT_EQ(tokens, 4u * 15) << "token budgets read prompt + completion from the daily sums";
  EXPECT_TRUE(store.totals_since(day + 2 * 86'400'000).empty());
}

TEST_F(PostgresStoreTest, ABatchRetriedAfterItCommittedIsNotWrittenTwice) {
  // A writer whose connection dropped during COMMIT retries the same batch: it must land once.
  PostgresStore store(url_, 1);
  std::vector<LedgerEntry> batch = {entry(1'000, "r1", "ml", 1.0), entry(2'000, "r2", "ml", 2.0)};
  store.append(batch);
  store.append(batch);
  EXPECT_EQ(store.ledger_count(), 2u);
  double sum = 0;
  for (const auto& t : store.totals_since(0)) sum += t.cost_usd;
  EXPECT_DOUBLE_EQ(sum, 3.0);
  // A different batch with the same request ids (clients may reuse theirs) is new.
  batch[0].ts_ms += 1;
  store.append(batch);
  EXPECT_EQ(store.ledger_count(), 4u);
}

TEST_F(PostgresStoreTest, UsageInBucketsWithLatencyHistograms) {
  PostgresStore store(url_, 1);
  const std::int64_t hour = 20'000LL * 86'400'000 + 5 * 3'600'000;
  check_usage(store, hour, [&] {
    Connection c(url_);
    const std::string sql =
        "INSERT INTO ledger (ts_ms, request_id, endpoint, status, prompt_tokens, "
        "completion_tokens, cached_tokens, reasoning_tokens, cost_usd, saved_usd) VALUES (" +
        std::to_string(hour + 6) + ", 'req_old', 'chat', 200, 10, 4, 2, 1, 0.25, 0.125)";
    c.exec(sql.c_str());
  });
}

TEST_F(PostgresStoreTest, LedgerKeepsWorkspaces) {
  PostgresStore store(url_, 1);
  check_ledger_workspace(store, 20'000LL * 86'400'000);
}

TEST_F(PostgresStoreTest, KeepsThePayloadLog) {
  PostgresStore store(url_, 1);
  check_request_log(store);
}

TEST_F(PostgresStoreTest, KeepsTheControlPlane) {
  PostgresStore store(url_, 1);
  check_control_store(store);
}

TEST_F(PostgresStoreTest, KeepsResponsesUntilTheyExpire) {
  PostgresStore store(url_, 1);
  check_response_store(store);
}

// A database made by the version before budget caps (steps 1–4), with a budget and this month's
// spend, upgraded by opening it: the budget keeps its dollars, and the daily sums gain the
// tokens token budgets are checked against.
TEST_F(PostgresStoreTest, UpgradingKeepsBudgetsAndSumsThisMonthsTokens) {
  {
    Connection c(url_);
    c.exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at BIGINT NOT NULL)");
    for (const Migration& m : migrations()) {
      if (m.version >= 5) break;
      c.exec(std::string(m.sql).c_str());
      c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)",
              Params().integer(m.version).text(m.name));
    }
    c.exec(
        "INSERT INTO budgets (id, scope, subject, usd, per, alert_at, created_at, updated_at) "
        "VALUES ('bud_old', 'team', 'ml', 12.5, 'month', 0.8, 1, 1)");
  }
  {
    // Ledger rows and their daily sums written the old way (no tokens in spend_daily).
    const auto now_ms = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
    Connection c(url_);
    for (int i = 0; i < 2; ++i) {
      c.query(
          "INSERT INTO ledger (ts_ms, request_id, key_id, team, endpoint, provider, status, "
          "prompt_tokens, completion_tokens, cost_usd) VALUES ($1, $2, 'key_a', 'ml', 'chat', "
          "'openai', 200, 10, 5, 0.5)",
          Params().integer(now_ms).text(std::string(1, 'r').append(std::to_string(i))));
    }
    c.query(
        "INSERT INTO spend_daily (day, key_id, team, user_name, endpoint, provider, requests, "
        "cost_usd) VALUES ($1, 'key_a', 'ml', '', 'chat', 'openai', 2, 1.0)",
        Params().integer(now_ms / 86'400'000));
  }
  PostgresStore store(url_, 1);
  EXPECT_EQ(store.schema_version(), static_cast<int>(migrations().size()));
  const auto budgets = store.load_budgets();
  ASSERT_EQ(budgets.size(), 1u);
  EXPECT_DOUBLE_EQ(budgets[0].usd.value_or(0), 12.5);
  EXPECT_EQ(budgets[0].tokens, 0u);
  EXPECT_EQ(budgets[0].on_exceed, config::OnExceed::kRefuse);
  const auto totals = store.totals_since(0);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].tokens, 30u);
  EXPECT_DOUBLE_EQ(totals[0].cost_usd, 1.0);
}

}  // namespace
}  // namespace sluice::stores::postgres
