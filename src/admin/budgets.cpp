// /admin/budgets: every budget (config, key, store) with what it has spent; the store's are
// created, changed and deleted here.
#include <boost/json.hpp>
#include <set>

#include "admin/scope.hpp"
#include "admin/support.hpp"
#include "config/workspace.hpp"
#include "governance/scope.hpp"
#include "stores/key_json.hpp"
#include "util/key_secret.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::each_budget;
using governance::Runtime;
using governance::subject_in;
using stores::apply_budget_fields;
using stores::budget_object_with_scope;
using util::new_budget_id;

namespace {

// What the budget's subject has spent this period, and whether a cap is reached.
void add_spent(json::object& o, const config::BudgetSpec& b, Runtime& runtime,
               std::string_view name, std::int64_t now) {
  const double spent = runtime.spend().spent(b.scope, name, b.per, now);
  const std::uint64_t tokens = runtime.spend().spent_tokens(b.scope, name, b.per, now);
  o["spent_usd"] = spent;
  if (b.tokens) o["spent_tokens"] = tokens;
  o["exceeded"] = (b.usd && spent >= *b.usd) || (b.tokens && tokens >= b.tokens);
}

}  // namespace

// `source`: where the budget is set (config, key or store); `name`: the subject it is shown for
// (a budget for "each team" is listed once per team).
json::object budget_json(const config::BudgetSpec& b, Runtime& runtime, std::int64_t now,
                         std::string_view name, std::string_view source) {
  json::object o = stores::budget_object_with_scope(b);
  o["match"] = name;
  add_spent(o, b, runtime, name, now);
  o["source"] = source;
  if (!b.id.empty()) o["id"] = b.id;
  return o;
}

namespace {

// The subjects a budget with an empty match ("each one apart") is shown for.
std::set<std::string> subjects_of(const config::BudgetSpec& b, Runtime& runtime,
                                  const config::Snapshot& snapshot);

}  // namespace

AdminAnswer budgets(const AdminRequest& req, Runtime& runtime, const config::Snapshot& snapshot) {
  const auto now = now_ms();
  json::array data;
  auto show = [&](const config::BudgetSpec& b, std::string_view name, std::string_view source) {
    if (sees_budget(req, runtime, snapshot, b.scope, name))
      data.emplace_back(budget_json(b, runtime, now, name, source));
  };
  auto list = [&](const config::BudgetSpec& b, std::string_view source) {
    if (!b.match.empty() || b.scope == config::Scope::kGlobal) {
      show(b, b.match, source);
      return;
    }
    for (const auto& n : subjects_of(b, runtime, snapshot)) show(b, n, source);
  };
  for (const auto& b : snapshot.governance.budgets) list(b, "config");
  for (const auto& b : *runtime.store_budgets()) list(b, "store");
  for (const auto& k : all_keys(runtime, snapshot)) {
    if (k->budget && manages(req, k->workspace))
      data.emplace_back(budget_json(*k->budget, runtime, now, k->id, "key"));
  }
  return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

namespace {

std::set<std::string> subjects_of(const config::BudgetSpec& b, Runtime& runtime,
                                  const config::Snapshot& snapshot) {
  std::set<std::string> names;
  for (const auto& k : all_keys(runtime, snapshot)) {
    governance::Subject s{k->id, k->team, k->user, {}, {}, k->workspace};
    if (auto who = subject_in(b.scope, s)) names.emplace(*who);
  }
  for (const auto& e : snapshot.endpoints) {
    if (b.scope == config::Scope::kEndpoint) names.insert(e.name);
    if (b.scope == config::Scope::kProvider) names.insert(e.provider);
    if (b.scope == config::Scope::kWorkspace && e.workspace != "*") names.insert(e.workspace);
  }
  return names;
}

// A store budget as the admin API shows it alone: its own fields and, when it names one
// subject, what that subject has spent.
json::object stored_budget_json(const config::BudgetSpec& b, Runtime& runtime) {
  json::object o = budget_object_with_scope(b);
  o["id"] = b.id;
  o["object"] = "budget";
  o["source"] = "store";
  o["created_at"] = b.created_at;
  if (!b.match.empty() || b.scope == config::Scope::kGlobal) {
    add_spent(o, b, runtime, b.match, now_ms());
  }
  return o;
}

// A workspace admin's budget counts its workspace or one of its keys; nothing wider.
std::optional<Error> check_budget_scope(const AdminRequest& req, Runtime& runtime,
                                        const config::Snapshot& snapshot,
                                        const config::BudgetSpec& b) {
  if (sees_budget(req, runtime, snapshot, b.scope, b.match)) return std::nullopt;
  Error e = admin_key_only("A budget wider than workspace '" + *req.workspace +
                           "' (scope: workspace, or key with a key of the workspace as match)");
  e.param = "scope";
  return e;
}

// A budget for one workspace names a workspace: a name at all, and a declared one when the file
// declares them (a typo would make a budget that never applies).
std::optional<Error> check_budget_workspace(const config::Snapshot& snapshot,
                                            const config::BudgetSpec& b) {
  if (b.scope != config::Scope::kWorkspace || b.match.empty()) return std::nullopt;
  if (!config::is_workspace_name(b.match) || b.match == "*")
    return Error::invalid("match must be a workspace name (letters, digits, '_', '-', '.').",
                          "match");
  if (auto e = check_declared(snapshot, b.match)) {
    e->param = "match";
    return e;
  }
  return std::nullopt;
}

// The workspace a budget's audit record is filed under: the one it counts, or its key's.
std::string budget_workspace(const AdminRequest& req, const config::BudgetSpec& b) {
  if (req.workspace) return *req.workspace;
  if (b.scope == config::Scope::kWorkspace) return b.match;
  return "";
}

}  // namespace

std::optional<Error> check_budget_fallback(const config::BudgetSpec& b,
                                           const config::Snapshot& snapshot,
                                           const std::string& field, const AdminRequest* req) {
  if (b.on_exceed != config::OnExceed::kFallback) return std::nullopt;
  const config::Endpoint* e = snapshot.find(b.fallback);
  const config::Route* r = snapshot.find_route(b.fallback);
  if (req != nullptr) {  // another workspace's names do not exist for a workspace admin
    if (e != nullptr && !sees(*req, e->workspace)) e = nullptr;
    if (r != nullptr && !sees(*req, r->workspace)) r = nullptr;
  }
  if (e != nullptr) return std::nullopt;
  const std::string why = r != nullptr
                              ? "names a route, '" + b.fallback +
                                    "'; a budget falls back to an endpoint (sent there once)"
                              : "names no endpoint of the running config: '" + b.fallback + "'";
  return Error::invalid("'" + field + "' " + why + ".", field);
}

AdminAnswer create_budget(const AdminRequest& req, Runtime& runtime,
                          const config::Snapshot& snapshot) {
  if (auto a = need_store(runtime); a.error) return a;
  auto body = parse_body(req.body);
  if (!body) return fail(body.error());
  config::BudgetSpec b;
  if (auto e = apply_budget_fields(*body, b, /*creating=*/true)) return fail(*e);
  // A workspace admin's budget is its workspace's (match: empty means its own) or one key's.
  if (req.workspace && b.scope == config::Scope::kWorkspace && b.match.empty())
    b.match = *req.workspace;
  if (auto e = check_budget_scope(req, runtime, snapshot, b)) return fail(*e);
  if (auto e = check_budget_workspace(snapshot, b)) return fail(*e);
  if (auto e = check_budget_fallback(b, snapshot, "fallback", &req)) return fail(*e);
  b.id = new_budget_id();
  b.created_at = now_ms() / 1000;
  runtime.store()->insert_budget(b);
  runtime.reload();
  record_change(req, runtime, "create", "budget", b.id, budget_workspace(req, b), nullptr,
                json::parse(stores::budget_to_json(b)));
  return json_answer(201, stored_budget_json(b, runtime));
}

AdminAnswer one_budget(const AdminRequest& req, std::string_view id, Runtime& runtime,
                       const config::Snapshot& snapshot) {
  if (req.method != "GET" && req.method != "PATCH" && req.method != "DELETE")
    return method_not_allowed(req.method, req.path);
  if (auto a = need_store(runtime); a.error) return a;
  const auto stored = runtime.store_budgets();
  const config::BudgetSpec* found = nullptr;
  for (const auto& b : *stored) {
    if (b.id == id) found = &b;
  }
  if (found == nullptr || !sees_budget(req, runtime, snapshot, found->scope, found->match))
    return not_found("No budget with id '" + std::string(id) +
                     "' (budgets in the config file have none; change them there).");
  if (req.method == "GET") return json_answer(200, stored_budget_json(*found, runtime));
  if (req.method == "PATCH") {
    auto body = parse_body(req.body);
    if (!body) return fail(body.error());
    config::BudgetSpec b = *found;
    if (auto e = apply_budget_fields(*body, b, /*creating=*/false)) return fail(*e);
    if (auto e = check_budget_scope(req, runtime, snapshot, b)) return fail(*e);
    if (auto e = check_budget_workspace(snapshot, b)) return fail(*e);
    if (auto e = check_budget_fallback(b, snapshot, "fallback", &req)) return fail(*e);
    const json::value before = json::parse(stores::budget_to_json(*found));
    runtime.store()->update_budget(b);
    runtime.reload();
    record_change(req, runtime, "update", "budget", b.id, budget_workspace(req, b), before,
                  json::parse(stores::budget_to_json(b)));
    return json_answer(200, stored_budget_json(b, runtime));
  }
  if (req.method == "DELETE") {
    const json::value before = json::parse(stores::budget_to_json(*found));
    runtime.store()->delete_budget(id);
    runtime.reload();
    record_change(req, runtime, "delete", "budget", std::string(id), budget_workspace(req, *found),
                  before, nullptr);
    return json_answer(200, json::object{{"id", id}, {"object", "budget"}, {"deleted", true}});
  }
  return method_not_allowed(req.method, req.path);
}

}  // namespace sluice::admin
