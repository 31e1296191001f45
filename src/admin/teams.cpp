// /admin/teams: teams are not stored apart; a team is the `team` of its keys, or one a budget
// names.
#include <boost/json.hpp>
#include <boost/url/pct_string_view.hpp>
#include <map>

#include "admin/support.hpp"
#include "governance/scope.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::each_budget;
using governance::Runtime;

namespace {

// Teams are not stored apart: a team is the `team` of its keys, or a team a budget names.
std::map<std::string, json::array> team_members(Runtime& runtime,
                                                const config::Snapshot& snapshot) {
  std::map<std::string, json::array> members;
  for (const auto& k : all_keys(runtime, snapshot)) {
    if (!k->team.empty()) members[k->team].emplace_back(k->id);
  }
  auto named = [&](const config::BudgetSpec& b) {
    if (b.scope == config::Scope::kTeam && !b.match.empty()) members[b.match];
    return true;
  };
  each_budget(nullptr, snapshot.governance, runtime.store_budgets(), named);
  return members;
}

json::object team_json(const std::string& team, json::array keys, Runtime& runtime,
                       const config::Snapshot& snapshot, bool with_budgets) {
  const auto now = now_ms();
  json::object o{{"team", team},
                 {"keys", std::move(keys)},
                 {"spent_usd_today",
                  runtime.spend().spent(config::Scope::kTeam, team, config::Period::kDay, now)},
                 {"spent_usd_this_month",
                  runtime.spend().spent(config::Scope::kTeam, team, config::Period::kMonth, now)}};
  if (with_budgets) {
    json::array budgets;
    auto add = [&](const config::BudgetSpec& b, std::string_view source) {
      if (b.scope == config::Scope::kTeam && (b.match.empty() || b.match == team))
        budgets.emplace_back(budget_json(b, runtime, now, team, source));
    };
    for (const auto& b : snapshot.governance.budgets) add(b, "config");
    for (const auto& b : *runtime.store_budgets()) add(b, "store");
    o["budgets"] = std::move(budgets);
  }
  return o;
}

}  // namespace

AdminAnswer teams(Runtime& runtime, const config::Snapshot& snapshot) {
  json::array data;
  for (auto& [team, keys] : team_members(runtime, snapshot))
    data.emplace_back(team_json(team, std::move(keys), runtime, snapshot, false));
  return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

// `encoded`: the team's name as it appears in the path, percent-encoded where needed.
AdminAnswer one_team(std::string_view encoded, Runtime& runtime, const config::Snapshot& snapshot) {
  const auto name = boost::urls::make_pct_string_view(encoded);
  if (!name)
    return fail(Error::invalid("The team name in the path is not valid percent-encoding."));
  auto members = team_members(runtime, snapshot);
  auto it = members.find(name->decode());
  if (it == members.end())
    return not_found("No team '" + name->decode() + "': no key or budget names it.");
  return json_answer(200, team_json(it->first, std::move(it->second), runtime, snapshot, true));
}

}  // namespace sluice::admin
