// The SQLite store on a temporary file: migrations applied once, keys round-trip, the ledger's
// sums by group, and a second connection seeing the first's writes (as the CLI and a gateway do).
#include "stores/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "stores/control_store_checks.hpp"
#include "stores/request_log_checks.hpp"
#include "stores/response_store_checks.hpp"
#include "stores/sqlite/migrations.hpp"
#include "stores/usage_checks.hpp"

namespace sluice::stores::sqlite {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-sqlite-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "s.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

config::KeySpec key(std::string id, std::string hash, std::string team) {
  config::KeySpec k;
  k.id = std::move(id);
  k.name = "n-" + k.id;
  k.hash = std::move(hash);
  k.prefix = "sk-sluice-abcd";
  k.team = std::move(team);
  k.endpoints = {"chat*"};
  k.expires_at = 2'000'000'000;
  config::LimitSpec l;
  l.tokens = 500;
  l.per = config::Period::kHour;
  k.limits = {l};
  config::BudgetSpec b;
  b.usd = 12.5;
  b.per = config::Period::kDay;
  k.budget = b;
  return k;
}

LedgerEntry entry(std::int64_t ts_ms, std::string key_id, std::string team, double cost) {
  LedgerEntry e;
  e.ts_ms = ts_ms;
  e.request_id = "req_" + std::to_string(ts_ms);
  e.key_id = std::move(key_id);
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

TEST_F(SqliteStoreTest, BudgetsRoundTripAndBumpTheVersion) {
  SqliteStore store(path_);
  config::BudgetSpec b;
  b.id = "bud_1";
  b.scope = config::Scope::kTeam;
  b.match = "ml";
  b.usd = 12.5;
  b.per = config::Period::kDay;
  b.alert_at = 0.5;
  const auto v0 = store.version();
  store.insert_budget(b);
  EXPECT_GT(store.version(), v0);
  EXPECT_THROW(store.insert_budget(b), std::runtime_error) << "an id is unique";
  auto loaded = store.load_budgets();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, "bud_1");
  EXPECT_EQ(loaded[0].scope, config::Scope::kTeam);
  EXPECT_EQ(loaded[0].match, "ml");
  EXPECT_DOUBLE_EQ(loaded[0].usd.value_or(0), 12.5);
  EXPECT_EQ(loaded[0].tokens, 0u);
  EXPECT_EQ(loaded[0].on_exceed, config::OnExceed::kRefuse);
  EXPECT_EQ(loaded[0].per, config::Period::kDay);
  EXPECT_DOUBLE_EQ(loaded[0].alert_at, 0.5);
  EXPECT_GT(loaded[0].created_at, 0);
  b.usd = 20;
  const auto v1 = store.version();
  EXPECT_TRUE(store.update_budget(b));
  EXPECT_GT(store.version(), v1);
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
  b.id = "bud_missing";
  EXPECT_FALSE(store.update_budget(b));
  EXPECT_FALSE(store.delete_budget("bud_missing"));
  EXPECT_TRUE(store.delete_budget("bud_1"));
  EXPECT_TRUE(store.load_budgets().empty());
}

TEST_F(SqliteStoreTest, MigratesOnceAndKeepsKeys) {
  {
    SqliteStore store(path_);
    EXPECT_EQ(store.schema_version(), static_cast<int>(migrations().size()));
    const auto v0 = store.version();
    store.insert_key(key("key_a", std::string(64, 'a'), "ml"));
    EXPECT_GT(store.version(), v0);
    EXPECT_THROW(store.insert_key(key("key_b", std::string(64, 'a'), "ml")), std::runtime_error)
        << "a hash is unique";
  }
  SqliteStore again(path_);  // reopening applies nothing twice
  EXPECT_EQ(again.schema_version(), static_cast<int>(migrations().size()));
  auto keys = again.load_keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].id, "key_a");
  EXPECT_EQ(keys[0].team, "ml");
  EXPECT_EQ(keys[0].endpoints, std::vector<std::string>{"chat*"});
  EXPECT_EQ(keys[0].expires_at, 2'000'000'000);
  ASSERT_EQ(keys[0].limits.size(), 1u);
  EXPECT_EQ(keys[0].limits[0].tokens, 500u);
  EXPECT_EQ(keys[0].limits[0].match, "key_a");
  ASSERT_TRUE(keys[0].budget);
  EXPECT_DOUBLE_EQ(keys[0].budget->usd.value_or(0), 12.5);
  EXPECT_FALSE(keys[0].cache) << "no cache settings of its own";

  keys[0].disabled = true;
  config::KeyCache cache;
  cache.ttl = std::chrono::seconds(60);
  cache.scope = config::CacheSpec::Scope::kKey;
  keys[0].cache = cache;
  keys[0].guardrails = {"pii", "deny-topics"};
  EXPECT_TRUE(again.update_key(keys[0]));
  EXPECT_TRUE(again.load_keys()[0].disabled);
  EXPECT_EQ(again.load_keys()[0].cache, cache);
  EXPECT_EQ(again.load_keys()[0].guardrails, (std::vector<std::string>{"pii", "deny-topics"}));
  EXPECT_FALSE(again.delete_key("key_missing"));
  EXPECT_TRUE(again.delete_key("key_a"));
  EXPECT_TRUE(again.load_keys().empty());
}

TEST_F(SqliteStoreTest, LedgerSumsByGroupAndDay) {
  SqliteStore writer(path_);
  const std::int64_t day = 20'000LL * 86'400'000;  // 2024-10-04
  std::vector<LedgerEntry> batch = {entry(day + 1, "key_a", "ml", 1.25),
                                    entry(day + 2, "key_b", "ml", 0.5),
                                    entry(day + 86'400'000, "key_a", "web", 2.0)};
  writer.append(batch);
  SqliteStore reader(path_);  // another connection, as the CLI is
  EXPECT_EQ(reader.ledger_count(), 3u);
  auto by_team = reader.spend({SpendBy::kTeam, 0});
  ASSERT_EQ(by_team.size(), 2u);
  EXPECT_EQ(by_team[0].group, "web");  // most spent first
  EXPECT_DOUBLE_EQ(by_team[0].cost_usd, 2.0);
  EXPECT_EQ(by_team[1].group, "ml");
  EXPECT_EQ(by_team[1].requests, 2u);
  EXPECT_DOUBLE_EQ(by_team[1].cost_usd, 1.75);
  EXPECT_EQ(by_team[1].prompt_tokens, 20u);
  auto per_day = reader.spend({SpendBy::kKey, 0, std::nullopt, true});
  ASSERT_EQ(per_day.size(), 3u);
  EXPECT_EQ(per_day[0].day, "2024-10-04");
  EXPECT_EQ(reader.spend({SpendBy::kKey, day + 3}).size(), 1u) << "since filters by time";
  // until (exclusive) and column filters narrow the rows before they are grouped.
  auto until = reader.spend({SpendBy::kTeam, 0, day + 2});
  ASSERT_EQ(until.size(), 1u);
  EXPECT_DOUBLE_EQ(until[0].cost_usd, 1.25);
  auto ml_by_key = reader.spend({SpendBy::kKey, 0, std::nullopt, false, {{SpendBy::kTeam, "ml"}}});
  ASSERT_EQ(ml_by_key.size(), 2u);
  EXPECT_EQ(ml_by_key[0].group, "key_a");
  EXPECT_DOUBLE_EQ(ml_by_key[0].cost_usd, 1.25);
  EXPECT_TRUE(reader
                  .spend({SpendBy::kKey,
                          0,
                          std::nullopt,
                          false,
                          {{SpendBy::kTeam, "ml"}, {SpendBy::kKey, "key_a' OR '1'='1"}}})
                  .empty());
  auto totals = reader.totals_since(day);
  double sum = 0;
  std::uint64_t tokens = 0;
  for (const auto& t : totals) {
    sum += t.cost_usd;
    tokens += t.tokens;
  }
  EXPECT_DOUBLE_EQ(sum, 3.75);
  EXPECT_EQ(tokens, 3u * 15) << "token budgets read prompt + completion";
}

TEST_F(SqliteStoreTest, KeepsResponsesUntilTheyExpire) {
  SqliteStore store(path_);
  check_response_store(store);
}

// A file made by the version before budget caps (steps 1–3) with a budget in it, upgraded by
// opening it: the budgets table is rebuilt (usd becomes optional) and the budget keeps its
// dollars.
TEST_F(SqliteStoreTest, UpgradingKeepsBudgets) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    auto exec = [&](const std::string& sql) {
      char* error = nullptr;
      ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
          << (error != nullptr ? error : "");
    };
    exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL)");
    for (const Migration& m : migrations()) {
      if (m.version >= 4) break;
      exec(std::string(m.sql));
      exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", '" +
           std::string(m.name) + "', 0)");
    }
    exec(
        "INSERT INTO budgets (id, scope, subject, usd, per, alert_at, created_at, updated_at) "
        "VALUES ('bud_old', 'team', 'ml', 12.5, 'month', 0.8, 1, 1)");
    sqlite3_close(db);
  }
  SqliteStore store(path_);
  EXPECT_EQ(store.schema_version(), static_cast<int>(migrations().size()));
  const auto budgets = store.load_budgets();
  ASSERT_EQ(budgets.size(), 1u);
  EXPECT_EQ(budgets[0].id, "bud_old");
  EXPECT_DOUBLE_EQ(budgets[0].usd.value_or(0), 12.5);
  EXPECT_EQ(budgets[0].tokens, 0u);
  EXPECT_EQ(budgets[0].on_exceed, config::OnExceed::kRefuse);
}

}  // namespace
}  // namespace sluice::stores::sqlite

namespace sluice::stores::sqlite {
namespace {

// What guardrails did is kept with the ledger record, as written.
TEST_F(SqliteStoreTest, UsageInBucketsWithLatencyHistograms) {
  SqliteStore store(path_);
  const std::int64_t hour = 20'000LL * 86'400'000 + 5 * 3'600'000;
  check_usage(store, hour, [&] {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "INSERT INTO ledger (ts_ms, request_id, endpoint, status, prompt_tokens, "
        "completion_tokens, cached_tokens, reasoning_tokens, cost_usd, saved_usd) VALUES (" +
        std::to_string(hour + 6) + ", 'req_old', 'chat', 200, 10, 4, 2, 1, 0.25, 0.125)";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  });
}

TEST_F(SqliteStoreTest, KeepsTheControlPlane) {
  SqliteStore store(path_);
  check_control_store(store);
}

TEST_F(SqliteStoreTest, LedgerKeepsWorkspaces) {
  SqliteStore store(path_);
  check_ledger_workspace(store, 20'000LL * 86'400'000);
}

TEST_F(SqliteStoreTest, KeepsThePayloadLog) {
  SqliteStore store(path_);
  check_request_log(store);
}

TEST(SqliteLedger, KeepsWhatGuardrailsDid) {
  const std::string path = testing::TempDir() + "sluice-ledger-guardrails.db";
  std::remove(path.c_str());
  {
    SqliteStore store(path);
    LedgerEntry e;
    e.ts_ms = 1;
    e.request_id = "req_g";
    e.endpoint = "chat";
    e.guardrails =
        R"([{"name":"pii","action":"mask","entity":"EMAIL_ADDRESS","on":"input","count":2}])";
    LedgerEntry plain = e;
    plain.request_id = "req_p";
    plain.guardrails.clear();
    const std::vector<LedgerEntry> batch{e, plain};
    store.append(batch);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> rows;
  sqlite3_exec(
      db, "SELECT request_id || ' ' || guardrails FROM ledger ORDER BY request_id",
      [](void* out, int, char** values, char**) {
        static_cast<std::vector<std::string>*>(out)->emplace_back(values[0]);
        return 0;
      },
      &rows, nullptr);
  sqlite3_close(db);
  std::remove(path.c_str());
  EXPECT_EQ(
      rows,
      (std::vector<std::string>{
          R"(req_g [{"name":"pii","action":"mask","entity":"EMAIL_ADDRESS","on":"input","count":2}])",
          "req_p "}));
}

}  // namespace
}  // namespace sluice::stores::sqlite
