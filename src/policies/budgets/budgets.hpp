#pragma once
// Budgets in USD per key, team, user, endpoint, provider or in all, per UTC day or month
// (`budgets:`, each key's own, and those made through the admin API). A request is refused with
// 429 `budget_exceeded` when it might take a budget past its amount. The check reads the
// in-memory spend view, never the database.
//
// Reservations: a request is admitted only if its worst-case cost fits in what is left once
// what was spent and what requests in flight hold is counted; it holds that worst case until it
// ends (its real cost is on the view by then). The worst case is the prompt as sluice's tokenizer
// counts it plus max_tokens (max_completion_tokens, times n) — 4,096 output tokens (times n)
// when the request sets none — at the endpoint model's price. On a passthrough, whose body is in
// the provider's own shape, the prompt is taken as a token per three bytes of the body and the
// output cap from that shape's field (max_output_tokens, max_tokens, maxOutputTokens). So on one
// gateway, spend passes a budget only by what the estimate missed: a provider counting more prompt
// tokens than the tokenizer, or more than 4,096 output tokens on a request without max_tokens. A
// model without a price holds nothing (its cost is unknown) and is refused only once the budget is
// spent. Replicas see each other's spend within a second but not each other's holds: with several,
// add the worst cases in flight on the other replicas to the bound.

#include <vector>

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"

namespace sluice::policies {

struct BudgetsState {
  std::vector<governance::SpendView::Hold> holds;  // what this request holds, given back at the end
  double held_usd = 0;
};

class BudgetsPolicy : public pipeline::Stateful<BudgetsState> {
 public:
  // Output tokens assumed for a request that sets no max_tokens.
  static constexpr std::uint64_t kAssumedOutputTokens = 4096;

  explicit BudgetsPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "budgets"; }
  unsigned hooks() const override { return kRequest | kComplete; }
  // Skips a request no budget covers; fails one a budget has no room for (429 budget_exceeded);
  // else holds its worst-case cost.
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  void on_complete(pipeline::RequestContext& ctx, void* state,
                   const pipeline::Outcome& outcome) const override;

 private:
  governance::Runtime& runtime_;
};

// The most the request can cost at the endpoint model's price (see above); 0 when the model
// has no price.
double worst_case_usd(const pipeline::RequestContext& ctx);

}  // namespace sluice::policies
