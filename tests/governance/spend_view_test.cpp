// The spend view's budget reservations: check and hold in one step, given back whole.
#include "governance/spend_view.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::governance {
namespace {

using config::Period;
using config::Scope;

constexpr std::int64_t kNow = 20'000LL * 86'400'000;  // 2024-10-04

stores::LedgerEntry spent(std::string team, double usd) {
  stores::LedgerEntry e;
  e.ts_ms = kNow;
  e.key_id = "key_a";
  e.team = std::move(team);
  e.cost_usd = usd;
  return e;
}

TEST(SpendViewHolds, AdmitWhatFitsWithWhatIsSpentAndHeld) {
  SpendView view;
  view.add(spent("ml", 1.0));
  const std::vector<SpendView::Hold> team{{Scope::kTeam, "ml", Period::kDay, 3.5}};
  // $1 spent, $1 each: two fit, the third would make $4.
  EXPECT_FALSE(view.try_reserve(team, 1.0, kNow));
  EXPECT_FALSE(view.try_reserve(team, 1.0, kNow));
  auto refused = view.try_reserve(team, 1.0, kNow);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->index, 0u);
  EXPECT_DOUBLE_EQ(refused->spent_usd, 1.0);
  EXPECT_DOUBLE_EQ(refused->held_usd, 2.0);
  // A smaller worst case still fits.
  EXPECT_FALSE(view.try_reserve(team, 0.5, kNow));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay), 2.5);
  view.release(team, 1.0);
  view.release(team, 1.0);
  view.release(team, 0.5);
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay), 0.0);
}

TEST(SpendViewHolds, AllOrNothingAcrossBudgetsAndOncePerBudget) {
  SpendView view;
  // A roomy key budget and a tight team budget: the team's refusal holds nothing on the key.
  const std::vector<SpendView::Hold> both{{Scope::kKey, "key_a", Period::kMonth, 100},
                                          {Scope::kTeam, "ml", Period::kDay, 1}};
  auto refused = view.try_reserve(both, 2.0, kNow);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->index, 1u);
  EXPECT_DOUBLE_EQ(view.held(Scope::kKey, "key_a", Period::kMonth), 0.0);
  // The same budget named twice (config and key) holds once.
  const std::vector<SpendView::Hold> twice{{Scope::kTeam, "ml", Period::kDay, 1},
                                           {Scope::kTeam, "ml", Period::kDay, 1}};
  EXPECT_FALSE(view.try_reserve(twice, 0.6, kNow));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay), 0.6);
  view.release(twice, 0.6);
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay), 0.0);
}

TEST(SpendViewHolds, AnUnpricedRequestHoldsNothingAndStopsOnlyOnceSpent) {
  SpendView view;
  const std::vector<SpendView::Hold> team{{Scope::kTeam, "ml", Period::kDay, 1}};
  EXPECT_FALSE(view.try_reserve(team, 0, kNow));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay), 0.0);
  view.add(spent("ml", 1.0));
  EXPECT_TRUE(view.try_reserve(team, 0, kNow));
}

}  // namespace
}  // namespace sluice::governance
