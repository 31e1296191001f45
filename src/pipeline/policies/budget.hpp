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

namespace sluice::pipeline {

class BudgetPolicy : public Policy {
 public:
  explicit BudgetPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "budget"; }
  bool applies(const RequestContext& ctx) const override {
    return !ctx.snapshot->governance.budgets.empty() || (ctx.key && ctx.key->budget) ||
           runtime_.has_store_budgets();
  }
  std::optional<Verdict> decide(RequestContext& ctx) const override;

 private:
  governance::Runtime& runtime_;
};

}  // namespace sluice::pipeline
