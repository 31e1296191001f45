// The ledger keeps the spend view current: a record counts as soon as it is queued, and with a
// store other replicas write to, the view becomes the store's totals plus what is still queued,
// so another replica's spend shows up and nothing is counted twice.
#include "governance/ledger.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace sluice::governance {
namespace {

// An in-memory store that others may write to too (as in PostgreSQL).
class SharedFakeStore : public stores::GovernanceStore {
 public:
  std::vector<config::KeySpec> load_keys() override { return {}; }
  std::int64_t version() override { return 0; }
  void insert_key(const config::KeySpec&) override {}
  bool update_key(const config::KeySpec&) override { return false; }
  bool delete_key(std::string_view) override { return false; }
  std::vector<config::BudgetSpec> load_budgets() override { return {}; }
  void insert_budget(const config::BudgetSpec&) override {}
  bool update_budget(const config::BudgetSpec&) override { return false; }
  bool delete_budget(std::string_view) override { return false; }
  void append(std::span<const stores::LedgerEntry> entries) override {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries) totals_[e.team] += e.cost_usd;
    appended_ += entries.size();
  }
  std::vector<stores::SpendRow> spend(const stores::SpendQuery&) override { return {}; }
  std::vector<stores::UsageRow> usage(const stores::UsageQuery&) override { return {}; }
  void append_requests(std::span<const stores::RequestRecord>) override {}
  std::vector<stores::RequestRecord> find_requests(const stores::RequestQuery&) override {
    return {};
  }
  std::optional<stores::RequestRecord> request(std::string_view,
                                               const std::optional<std::string>&) override {
    return {};
  }
  std::uint64_t prune_requests(std::int64_t) override { return 0; }
  std::vector<stores::SpendTotal> totals_since(std::int64_t) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    std::vector<stores::SpendTotal> out;
    for (const auto& [team, usd] : totals_) out.push_back({"", team, "", "", "", "", today(), usd});
    return out;
  }
  std::uint64_t ledger_count() override { return appended_; }
  bool shared_between_replicas() const override { return true; }

  // What another replica commits.
  void add_from_elsewhere(const std::string& team, double usd) {
    std::lock_guard lock(mutex_);
    totals_[team] += usd;
  }
  int reads() {
    std::lock_guard lock(mutex_);
    return reads_;
  }
  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static std::int64_t today() { return now_ms() / 86'400'000; }

 private:
  std::mutex mutex_;
  std::map<std::string, double> totals_;
  std::uint64_t appended_ = 0;
  int reads_ = 0;
};

stores::LedgerEntry spend_of(const std::string& team, double usd) {
  stores::LedgerEntry e;
  e.ts_ms = SharedFakeStore::now_ms();
  e.team = team;
  e.cost_usd = usd;
  return e;
}

double team_today(const SpendView& view, const std::string& team) {
  return view.spent(config::Scope::kTeam, team, config::Period::kDay, SharedFakeStore::now_ms());
}

void wait_for_reads(SharedFakeStore& store, int n) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (store.reads() < n && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GE(store.reads(), n);
}

TEST(Ledger, RecordCountsInTheViewAtOnce) {
  SpendView view;
  auto store = std::make_unique<SharedFakeStore>();
  Ledger ledger(std::move(store), view);
  ledger.record(spend_of("ml", 1.25));
  EXPECT_DOUBLE_EQ(team_today(view, "ml"), 1.25);
}

TEST(Ledger, RefreshAddsOtherReplicasSpendAndCountsOwnOnce) {
  SpendView view;
  auto owned = std::make_unique<SharedFakeStore>();
  SharedFakeStore& store = *owned;
  Ledger ledger(std::move(owned), view);
  ledger.record(spend_of("ml", 1.0));
  ledger.flush();  // committed: now in the store's totals as well as in the view
  store.add_from_elsewhere("ml", 2.0);
  store.add_from_elsewhere("web", 0.5);
  const int reads = store.reads();
  wait_for_reads(store, reads + 1);
  ledger.record(spend_of("ml", 0.25));  // queued or committed, counted once either way
  wait_for_reads(store, reads + 2);
  EXPECT_DOUBLE_EQ(team_today(view, "ml"), 3.25);
  EXPECT_DOUBLE_EQ(team_today(view, "web"), 0.5);
}

}  // namespace
}  // namespace sluice::governance
