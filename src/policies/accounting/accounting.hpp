#pragma once
// Prices each request that reached a provider (the price table of the snapshot), adds the cost
// to the spend view at once, and hands the record to the ledger writer. A budget whose spend
// this request takes across its alert threshold (alert_at × usd) or its cap (usd) is logged,
// counted (sluice_budget_alerts_total, sluice_budget_exceeded_total) and sent to the `alerts:`
// webhooks (budget.threshold, budget.exceeded; body in docs/governance.md "Alerts").

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"
#include "upstream/webhook_sender.hpp"

namespace sluice::policies {

// The request's cost from ctx.usage and its endpoint's price, into ctx.cost_usd.
void price_request(pipeline::RequestContext& ctx);

struct AccountingState {
  bool accounted = false;  // the ledger has this request's record
};

class AccountingPolicy : public pipeline::Stateful<AccountingState> {
 public:
  // `alerts` may be null (no webhooks are sent; CLI and tests).
  AccountingPolicy(governance::Runtime& runtime, upstream::WebhookSender* alerts)
      : runtime_(runtime), alerts_(alerts) {}
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
  // Queues `event` for `budget` to every `alerts:` webhook that wants it.
  void send_alert(const pipeline::RequestContext& ctx, std::string_view event,
                  const config::BudgetSpec& budget, const std::string& subject, double spent_usd,
                  std::int64_t now_ms) const;
  governance::Runtime& runtime_;
  upstream::WebhookSender* alerts_;
};

}  // namespace sluice::policies
