#pragma once
// Budgets in USD per key, team, user, endpoint, provider or in all, per UTC day or month
// (`budgets:`, each key's own, and those made through the admin API). A request is refused with 429
// `budget_exceeded` once what was spent reaches the budget. The check reads the in-memory spend
// view, never the database.
//
// Overshoot: requests already in flight when a budget is reached still finish and are charged,
// so spend can pass the budget by at most the cost of the requests that were in flight at that
// moment (for streams, their whole cost). No request starts after the view shows it spent.

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"

namespace sluice::policies {

class BudgetsPolicy : public pipeline::Policy {
 public:
  explicit BudgetsPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "budgets"; }
  unsigned hooks() const override { return kRequest; }
  // Skips a request no budget covers; fails one a spent budget covers (429 budget_exceeded).
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;

 private:
  governance::Runtime& runtime_;
};

}  // namespace sluice::policies
