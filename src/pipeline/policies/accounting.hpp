#pragma once
// Prices each request that reached a provider (the price table of the snapshot), adds the cost
// to the spend view at once, and hands the record to the ledger writer. Crossing a budget's
// alert threshold is logged and counted (sluice_budget_alerts_total).

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"

namespace sluice::pipeline {

// The request's cost from ctx.usage and its endpoint's price, into ctx.cost_usd.
void price_request(RequestContext& ctx);

class AccountingPolicy : public Policy {
 public:
  explicit AccountingPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "accounting"; }
  bool applies(const RequestContext&) const override { return runtime_.ledger() != nullptr; }
  // With the answer in hand (status 200 so far), before the client has it.
  void on_usage(RequestContext& ctx) const override { account(ctx, 200); }
  // Whatever on_usage did not cover: failures, client gone, streams cut short.
  void on_complete(RequestContext& ctx, const Outcome& outcome) const override;

 private:
  void account(RequestContext& ctx, unsigned status) const;
  governance::Runtime& runtime_;
};

}  // namespace sluice::pipeline
