#include "policies/budgets/budgets.hpp"

#include <chrono>

#include "governance/scope.hpp"
#include "observability/metrics.hpp"
#include "policies/subject.hpp"
#include "util/money.hpp"

namespace sluice::policies {

pipeline::Step BudgetsPolicy::on_request(pipeline::RequestContext& ctx, void* /*state*/) const {
  if (ctx.snapshot->governance.budgets.empty() && !(ctx.key && ctx.key->budget) &&
      !runtime_.has_store_budgets())
    return pipeline::Step::skip();
  const governance::Subject s = subject_of(ctx);
  std::optional<Error> refused;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto check = [&](const config::BudgetSpec& b) -> bool {
    auto who = governance::counted_as(b.scope, b.match, s);
    if (!who) return true;
    const double spent = runtime_.spend().spent(b.scope, *who, b.per, now);
    if (spent < b.usd) return true;
    std::string message = "Budget exceeded: the ";
    message += config::scope_name(b.scope);
    if (!who->empty()) {
      message += " '";
      message += *who;
      message += "'";
    }
    message += " has spent $" + util::dollars(spent) + " of its $" + util::dollars(b.usd) +
               " this " + std::string(config::period_name(b.per)) + ".";
    Error e = Error::make(ErrorCode::kRateLimited, std::move(message));
    e.error_code = "budget_exceeded";
    refused = std::move(e);
    observability::Metrics::global().budget_rejected.fetch_add(1, std::memory_order_relaxed);
    return false;
  };
  if (governance::each_budget(ctx.key.get(), ctx.snapshot->governance,
                              runtime_.store_budgets_if_any(), check))
    return pipeline::Step::next();
  return pipeline::Step::fail(std::move(*refused));
}

}  // namespace sluice::policies
