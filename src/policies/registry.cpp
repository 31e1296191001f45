#include "policies/registry.hpp"

#include <algorithm>

#include "policies/accounting/accounting.hpp"
#include "policies/auth/auth.hpp"
#include "policies/budgets/budgets.hpp"
#include "policies/cache/cache.hpp"
#include "policies/guardrails/guardrails.hpp"
#include "policies/limits/limits.hpp"
#include "policies/mlflow_limit/mlflow_limit.hpp"
#include "policies/prompt/prompt.hpp"

namespace sluice::policies {
namespace {

using PolicyPtr = std::shared_ptr<const pipeline::Policy>;

// Governance policies are attached to every endpoint once governance is on: whether a request
// is covered (a key's own limits, a budget made through the admin API) is known only then.
bool governed(const Site& site, const Services& services) {
  const auto& g = site.snapshot.governance;
  // A store can gain budgets through the admin API at any time, without a new snapshot.
  return g.keys_required || !g.limits.empty() || !g.budgets.empty() ||
         services.governance.store() != nullptr || services.governance.ledger() != nullptr;
}

// Who, then may they (budgets before limits, so a refused request takes no limit slot), then
// MLflow's limit, the prompt template, the guardrails (after the template, so they read the
// prompt as it will be sent; before the cache, which neither looks up nor stores what they
// changed or watch), accounting (so its complete hook, run in reverse order,
// prices the request before the limits settle), and the cache last: after the template, so it
// keys the request as it will be sent; after the limits, so a hit still counts as a request;
// after accounting, so a hit (which ends the request hooks) is still accounted.
const PolicyRow kRows[] = {
    {"auth",
     [](const Site& site, Services&) -> PolicyPtr {
       return site.snapshot.governance.keys_required ? std::make_shared<AuthPolicy>() : nullptr;
     }},
    {"budgets",
     [](const Site& site, Services& s) -> PolicyPtr {
       return governed(site, s) ? std::make_shared<BudgetsPolicy>(s.governance) : nullptr;
     }},
    {"limits",
     [](const Site& site, Services& s) -> PolicyPtr {
       return governed(site, s) ? std::make_shared<LimitsPolicy>(s.governance) : nullptr;
     }},
    {"limit",
     [](const Site& site, Services& s) -> PolicyPtr {
       return site.endpoint != nullptr && site.endpoint->limit
                  ? std::make_shared<MlflowLimitPolicy>(s.counters)
                  : nullptr;
     }},
    {"prompt",
     [](const Site& site, Services&) -> PolicyPtr {
       return site.endpoint != nullptr && site.endpoint->prompt ? std::make_shared<PromptPolicy>()
                                                                : nullptr;
     }},
    {"guardrails",
     [](const Site& site, Services& s) -> PolicyPtr {
       // Which guardrails apply is known per request (the endpoint's, the route's, the key's),
       // so the policy is on every chain once any is defined, or once keys in a store may name
       // one (a key naming one the config lost is refused, not served without it).
       return site.snapshot.guardrails.all.empty() && s.governance.store() == nullptr
                  ? nullptr
                  : std::make_shared<GuardrailsPolicy>();
     }},
    {"accounting",
     [](const Site& site, Services& s) -> PolicyPtr {
       return governed(site, s) ? std::make_shared<AccountingPolicy>(s.governance, s.alerts)
                                : nullptr;
     }},
    {"cache",
     [](const Site& site, Services& s) -> PolicyPtr {
       // Which spec applies is known per request (a route's, an endpoint's, a key's), so the
       // policy is on every chain once anything caches, or once a key may say so (config keys
       // with a cache section; keys in a store, which can gain one at any time).
       const auto& keys = site.snapshot.governance.keys;
       const bool keyed = s.governance.store() != nullptr ||
                          std::any_of(keys.begin(), keys.end(), [](const auto& k) {
                            return k->cache && k->cache->mode != config::CacheSpec::Mode::kOff;
                          });
       return (site.snapshot.cache.any || keyed) && s.cache != nullptr
                  ? std::make_shared<CachePolicy>(*s.cache)
                  : nullptr;
     }},
};

}  // namespace

std::span<const PolicyRow> policy_rows() { return kRows; }

pipeline::Chain build_chain(std::span<const PolicyRow> rows, const Site& site, Services& services) {
  std::vector<PolicyPtr> policies;
  for (const auto& row : rows) {
    if (auto p = row.make(site, services)) policies.push_back(std::move(p));
  }
  return pipeline::Chain(std::move(policies));
}

Chains::Chains(config::SnapshotPtr snapshot, std::span<const PolicyRow> rows, Services& services)
    : snapshot_(std::move(snapshot)),
      none_(build_chain(rows, Site{*snapshot_, nullptr}, services)) {
  by_endpoint_.reserve(snapshot_->endpoints.size());
  for (const auto& e : snapshot_->endpoints)
    by_endpoint_.push_back(build_chain(rows, Site{*snapshot_, &e}, services));
}

const pipeline::Chain& Chains::of(const config::Endpoint* endpoint) const {
  if (endpoint == nullptr || snapshot_->endpoints.empty()) return none_;
  const auto i = static_cast<std::size_t>(endpoint - snapshot_->endpoints.data());
  return i < by_endpoint_.size() ? by_endpoint_[i] : none_;
}

}  // namespace sluice::policies
