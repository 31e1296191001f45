// The spend view's budget reservations: check and hold in one step, given back whole.
#include "governance/spend_view.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::governance {
namespace {

using config::Period;
using config::Scope;

constexpr std::int64_t kNow = 20'000LL * 86'400'000;  // 2024-10-04

using Amount = SpendView::Amount;

Amount usd(double v) { return {v, 0}; }

SpendView::Hold dollars(Scope scope, std::string name, Period per, double limit) {
  return {scope, std::move(name), per, limit};
}

stores::LedgerEntry spent(std::string team, double usd, std::uint64_t tokens = 0) {
  stores::LedgerEntry e;
  e.prompt_tokens = tokens;
  e.ts_ms = kNow;
  e.key_id = "key_a";
  e.team = std::move(team);
  e.cost_usd = usd;
  return e;
}

TEST(SpendViewHolds, AdmitWhatFitsWithWhatIsSpentAndHeld) {
  SpendView view;
  view.add(spent("ml", 1.0));
  const std::vector<SpendView::Hold> team{dollars(Scope::kTeam, "ml", Period::kDay, 3.5)};
  // $1 spent, $1 each: two fit, the third would make $4.
  EXPECT_FALSE(view.try_reserve(team, usd(1.0), kNow));
  EXPECT_FALSE(view.try_reserve(team, usd(1.0), kNow));
  auto refused = view.try_reserve(team, usd(1.0), kNow);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->index, 0u);
  EXPECT_DOUBLE_EQ(refused->spent.usd, 1.0);
  EXPECT_DOUBLE_EQ(refused->held.usd, 2.0);
  // A smaller worst case still fits.
  EXPECT_FALSE(view.try_reserve(team, usd(0.5), kNow));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay).usd, 2.5);
  view.release(team, usd(1.0));
  view.release(team, usd(1.0));
  view.release(team, usd(0.5));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay).usd, 0.0);
}

TEST(SpendViewHolds, AllOrNothingAcrossBudgetsAndOncePerBudget) {
  SpendView view;
  // A roomy key budget and a tight team budget: the team's refusal holds nothing on the key.
  const std::vector<SpendView::Hold> both{dollars(Scope::kKey, "key_a", Period::kMonth, 100),
                                          dollars(Scope::kTeam, "ml", Period::kDay, 1)};
  auto refused = view.try_reserve(both, usd(2.0), kNow);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->index, 1u);
  EXPECT_DOUBLE_EQ(view.held(Scope::kKey, "key_a", Period::kMonth).usd, 0.0);
  // The same budget named twice (config and key) holds once.
  const std::vector<SpendView::Hold> twice{dollars(Scope::kTeam, "ml", Period::kDay, 1),
                                           dollars(Scope::kTeam, "ml", Period::kDay, 1)};
  EXPECT_FALSE(view.try_reserve(twice, usd(0.6), kNow));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay).usd, 0.6);
  view.release(twice, usd(0.6));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay).usd, 0.0);
}

TEST(SpendViewHolds, AnUnpricedRequestHoldsNothingAndStopsOnlyOnceSpent) {
  SpendView view;
  const std::vector<SpendView::Hold> team{dollars(Scope::kTeam, "ml", Period::kDay, 1)};
  EXPECT_FALSE(view.try_reserve(team, usd(0), kNow));
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay).usd, 0.0);
  view.add(spent("ml", 1.0));
  EXPECT_TRUE(view.try_reserve(team, usd(0), kNow));
}

TEST(SpendViewHolds, TokenCapsCountPromptAndCompletionAndHoldLikeDollars) {
  SpendView view;
  view.add(spent("ml", 0, 600));  // an unpriced model still spends tokens
  SpendView::Hold team{Scope::kTeam, "ml", Period::kDay, std::nullopt, 1000};
  const std::vector<SpendView::Hold> holds{team};
  EXPECT_FALSE(view.try_reserve(holds, {0, 300}, kNow));
  auto refused = view.try_reserve(holds, {0, 200}, kNow);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->tokens);
  EXPECT_DOUBLE_EQ(refused->spent.tokens, 600);
  EXPECT_DOUBLE_EQ(refused->held.tokens, 300);
  EXPECT_EQ(view.spent_tokens(Scope::kTeam, "ml", Period::kDay, kNow), 600u);
  view.release(holds, {0, 300});
  EXPECT_DOUBLE_EQ(view.held(Scope::kTeam, "ml", Period::kDay).tokens, 0);
}

TEST(SpendViewHolds, BothCapsMustFitAndTheShortOneIsNamed) {
  SpendView view;
  view.add(spent("ml", 0.5, 100));
  const std::vector<SpendView::Hold> holds{{Scope::kTeam, "ml", Period::kDay, 1.0, 1000}};
  auto refused = view.try_reserve(holds, {0.1, 950}, kNow);  // dollars fit, tokens do not
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->tokens);
  refused = view.try_reserve(holds, {0.6, 10}, kNow);  // tokens fit, dollars do not
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->tokens);
  EXPECT_FALSE(view.try_reserve(holds, {0.4, 800}, kNow));
  refused = view.try_reserve(holds, {0.2, 10}, kNow);  // what is held counts too
  ASSERT_TRUE(refused);
  EXPECT_DOUBLE_EQ(refused->held.usd, 0.4);
  EXPECT_DOUBLE_EQ(refused->held.tokens, 800);
}

TEST(SpendViewHolds, TotalsFromTheStoreCarryTokens) {
  SpendView view;
  stores::SpendTotal t;
  t.team = "ml";
  t.day = kNow / 86'400'000;
  t.cost_usd = 0.25;
  t.tokens = 4200;
  const std::vector<stores::SpendTotal> totals{t};
  view.replace(totals, {});
  EXPECT_EQ(view.spent_tokens(Scope::kTeam, "ml", Period::kMonth, kNow), 4200u);
  EXPECT_DOUBLE_EQ(view.spent(Scope::kTeam, "ml", Period::kDay, kNow), 0.25);
}

}  // namespace
}  // namespace sluice::governance
