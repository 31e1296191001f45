#pragma once
// Prices each request that reached a provider (the price table of the snapshot), adds the cost
// to the spend view at once, and hands the record to the ledger writer. Crossing a budget's
// alert threshold is logged and counted (sluice_budget_alerts_total).

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"

namespace sluice::policies {

// The request's cost from ctx.usage and its endpoint's price, into ctx.cost_usd.
void price_request(pipeline::RequestContext& ctx);

struct AccountingState {
  bool accounted = false;  // the ledger has this request's record
};

class AccountingPolicy : public pipeline::Stateful<AccountingState> {
 public:
  explicit AccountingPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "accounting"; }
  unsigned hooks() const override { return kRequest | kUsage | kComplete; }
  // Skips everything when there is no ledger.
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  // With the answer in hand (status 200 so far), before the client has it.
  void on_usage(pipeline::RequestContext& ctx, void* state) const override {
    account(ctx, state_of(state), 200);
  }
  // Whatever on_usage did not cover: failures, client gone, streams cut short.
  void on_complete(pipeline::RequestContext& ctx, void* state,
                   const pipeline::Outcome& outcome) const override;

 private:
  void account(pipeline::RequestContext& ctx, AccountingState& state, unsigned status) const;
  governance::Runtime& runtime_;
};

}  // namespace sluice::policies
