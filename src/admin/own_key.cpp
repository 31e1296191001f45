// GET /v1/key: a gateway key's own settings, budgets and spend, for its holder (the developer
// view of the console, scripts that want to know what is left before a batch).
#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/support.hpp"
#include "governance/scope.hpp"
#include "stores/key_json.hpp"

namespace sluice::admin {

namespace json = boost::json;

namespace {

json::object spent_in(const config::KeySpec& key, governance::Runtime& runtime, config::Period per,
                      std::int64_t now) {
  return json::object{
      {"cost_usd", runtime.spend().spent(config::Scope::kKey, key.id, per, now)},
      {"tokens", runtime.spend().spent_tokens(config::Scope::kKey, key.id, per, now)}};
}

}  // namespace

json::object own_key(const config::KeySpec& key, governance::Runtime& runtime,
                     const config::Snapshot& snapshot) {
  const auto now = now_ms();
  json::object o = stores::key_to_json(key);
  o.erase("metadata");  // the operator's notes about the key, not the holder's
  o.erase("budget");    // shown below with what it has spent

  const governance::Subject subject{key.id, key.team, key.user, {}, {}, key.workspace};
  json::array budgets;
  governance::each_budget(
      &key, snapshot.governance, runtime.store_budgets(), [&](const config::BudgetSpec& b) {
        if (b.scope == config::Scope::kEndpoint || b.scope == config::Scope::kProvider) return true;
        // The key's own budget counts under its id whatever its scope says.
        const bool own = key.budget && &b == &*key.budget;
        const auto name = own ? std::optional<std::string_view>(key.id)
                              : governance::counted_as(b.scope, b.match, subject);
        if (!name) return true;
        json::object j = budget_json(b, runtime, now, *name,
                                     own            ? "key"
                                     : b.id.empty() ? "config"
                                                    : "store");
        if (b.scope == config::Scope::kGlobal) {
          // What the whole gateway spent is not one key's business; whether it is spent is.
          j.erase("spent_usd");
          j.erase("spent_tokens");
        } else {
          if (b.usd) j["remaining_usd"] = std::max(0.0, *b.usd - j["spent_usd"].as_double());
          if (b.tokens) {
            const auto spent = j["spent_tokens"].to_number<std::uint64_t>();
            j["remaining_tokens"] = spent >= b.tokens ? 0 : b.tokens - spent;
          }
        }
        budgets.emplace_back(std::move(j));
        return true;
      });
  o["budgets"] = std::move(budgets);
  o["usage"] = json::object{{"day", spent_in(key, runtime, config::Period::kDay, now)},
                            {"month", spent_in(key, runtime, config::Period::kMonth, now)}};
  return o;
}

}  // namespace sluice::admin
