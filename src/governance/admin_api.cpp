#include "governance/admin_api.hpp"

#include <boost/json.hpp>
#include <boost/url/pct_string_view.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "governance/key_json.hpp"
#include "governance/key_secret.hpp"
#include "governance/scope.hpp"

namespace sluice::governance {

namespace json = boost::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AdminAnswer fail(Error e) {
  AdminAnswer a;
  a.error = std::move(e);
  return a;
}

AdminAnswer not_found(std::string_view what) {
  return fail(Error::make(ErrorCode::kNotFound, std::string(what)));
}

AdminAnswer method_not_allowed(std::string_view method, std::string_view path) {
  return fail(Error::make(
      ErrorCode::kMethodNotAllowed,
      "Method " + std::string(method) + " is not allowed on " + std::string(path) + "."));
}

AdminAnswer json_answer(unsigned status, const json::value& v) {
  AdminAnswer a;
  a.status = status;
  a.body = json::serialize(v);
  return a;
}

std::string_view query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=')
      return pair.substr(key.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// "7d", "24h", "30m", "2026-11-01" → unix ms; nullopt when unreadable.
std::optional<std::int64_t> since_ms(std::string_view since, std::int64_t now) {
  if (since.empty()) return now - 30LL * 86'400'000;  // default: the last 30 days
  if (since.size() == 10 && since[4] == '-' && since[7] == '-') {
    std::tm tm{};
    const std::string s(since);
    if (strptime(s.c_str(), "%Y-%m-%d", &tm) == nullptr) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
  }
  const char unit = since.back();
  const std::string digits(since.substr(0, since.size() - 1));
  if (digits.empty() || digits.size() > 6 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const std::int64_t n = std::stoll(digits);
  switch (unit) {
    case 'd':
      return now - n * 86'400'000;
    case 'h':
      return now - n * 3'600'000;
    case 'm':
      return now - n * 60'000;
    default:
      return std::nullopt;
  }
}

std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string money(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  return buf;
}

Result<json::object> parse_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string_view("{}") : body, ec);
  if (ec || !v.is_object()) return Error::invalid("The request body must be a JSON object.");
  return std::move(v.get_object());
}

config::KeySpec const* config_key(const config::Snapshot& s, std::string_view id) {
  for (const auto& k : s.governance.keys) {
    if (k->id == id) return k.get();
  }
  return nullptr;
}

AdminAnswer need_store(Runtime& runtime) {
  if (runtime.store() != nullptr) return {};
  return fail(Error::make(ErrorCode::kServiceUnavailable,
                          "No key store: set auth.mode: keys, budgets, stores.sqlite or "
                          "stores.postgres to keep keys, budgets and spend."));
}

json::object with_secret(const config::KeySpec& key, const std::string& secret) {
  json::object o = key_to_json(key);
  o["key"] = secret;  // shown this once; only its hash is kept
  return o;
}

AdminAnswer create_key(const AdminRequest& req, Runtime& runtime,
                       const config::Snapshot& snapshot) {
  if (auto a = need_store(runtime); a.error) return a;
  if (snapshot.governance.pepper.empty())
    return fail(Error::invalid("Keys need auth.pepper in the config."));
  auto body = parse_body(req.body);
  if (!body) return fail(body.error());
  config::KeySpec key;
  key.id = new_key_id();
  if (auto e = apply_key_fields(*body, key)) return fail(*e);
  const std::string secret = new_secret();
  key.hash = hash_secret(snapshot.governance.pepper, secret);
  key.prefix = secret_prefix(secret);
  key.created_at = now_ms() / 1000;
  runtime.store()->insert_key(key);
  runtime.reload();
  return json_answer(201, with_secret(key, secret));
}

AdminAnswer one_key(const AdminRequest& req, std::string_view id, std::string_view action,
                    Runtime& runtime, const config::Snapshot& snapshot) {
  if (const auto* declared = config_key(snapshot, id)) {
    if (req.method == "GET" && action.empty()) return json_answer(200, key_to_json(*declared));
    return fail(Error::make(
        ErrorCode::kConflict,
        "Key '" + std::string(id) + "' is declared in the config file; change it there."));
  }
  if (auto a = need_store(runtime); a.error) return a;
  auto found = runtime.store_key(id);
  if (found == nullptr) return not_found("No key with id '" + std::string(id) + "'.");
  if (action == "rotate") {
    if (req.method != "POST") return method_not_allowed(req.method, req.path);
    config::KeySpec key = *found;
    const std::string secret = new_secret();
    key.hash = hash_secret(snapshot.governance.pepper, secret);
    key.prefix = secret_prefix(secret);
    runtime.store()->update_key(key);
    runtime.reload();
    return json_answer(200, with_secret(key, secret));
  }
  if (!action.empty()) return not_found("Not Found");
  if (req.method == "GET") return json_answer(200, key_to_json(*found));
  if (req.method == "PATCH") {
    auto body = parse_body(req.body);
    if (!body) return fail(body.error());
    config::KeySpec key = *found;
    if (auto e = apply_key_fields(*body, key)) return fail(*e);
    runtime.store()->update_key(key);
    runtime.reload();
    return json_answer(200, key_to_json(key));
  }
  if (req.method == "DELETE") {
    runtime.store()->delete_key(id);
    runtime.reload();
    return json_answer(200, json::object{{"id", id}, {"object", "key"}, {"deleted", true}});
  }
  return method_not_allowed(req.method, req.path);
}

std::vector<std::shared_ptr<const config::KeySpec>> all_keys(Runtime& runtime,
                                                             const config::Snapshot& snapshot) {
  std::vector<std::shared_ptr<const config::KeySpec>> keys = snapshot.governance.keys;
  for (auto& k : runtime.store_keys()) keys.push_back(std::move(k));
  return keys;
}

AdminAnswer spend(const AdminRequest& req, Runtime& runtime) {
  if (auto a = need_store(runtime); a.error) return a;
  const std::string_view by_name = query_value(req.query, "by");
  auto by = stores::spend_by_named(by_name.empty() ? "key" : by_name);
  if (!by)
    return fail(
        Error::invalid("'by' must be key, team, user, endpoint, model, provider or day.", "by"));
  const auto since = since_ms(query_value(req.query, "since"), now_ms());
  if (!since)
    return fail(Error::invalid("'since' must look like 7d, 24h, 30m or 2026-11-01.", "since"));
  const bool per_day = query_value(req.query, "per_day") == "true";
  const std::string_view format = query_value(req.query, "format");
  if (!format.empty() && format != "json" && format != "csv")
    return fail(Error::invalid("'format' must be json or csv.", "format"));
  if (runtime.ledger() != nullptr) runtime.ledger()->flush();  // include what is still queued
  const auto rows = runtime.store()->spend(*by, *since, per_day);
  const std::string group = by_name.empty() ? "key" : std::string(by_name);
  if (format == "csv") {
    AdminAnswer a;
    a.content_type = "text/csv; charset=utf-8";
    a.body =
        group + (per_day ? ",day" : "") + ",requests,prompt_tokens,completion_tokens,cost_usd\n";
    for (const auto& r : rows) {
      a.body += csv_field(r.group);
      if (per_day) a.body += "," + r.day;
      a.body += "," + std::to_string(r.requests) + "," + std::to_string(r.prompt_tokens) + "," +
                std::to_string(r.completion_tokens) + "," + money(r.cost_usd) + "\n";
    }
    return a;
  }
  json::array data;
  double total = 0;
  for (const auto& r : rows) {
    json::object o{{group, r.group},
                   {"requests", r.requests},
                   {"prompt_tokens", r.prompt_tokens},
                   {"completion_tokens", r.completion_tokens},
                   {"cost_usd", r.cost_usd}};
    if (per_day) o["day"] = r.day;
    total += r.cost_usd;
    data.emplace_back(std::move(o));
  }
  return json_answer(200, json::object{{"object", "list"},
                                       {"by", group},
                                       {"since_ms", *since},
                                       {"total_cost_usd", total},
                                       {"data", std::move(data)}});
}

// `source`: where the budget is set (config, key or store); `name`: the subject it is shown for
// (a budget for "each team" is listed once per team).
json::object budget_json(const config::BudgetSpec& b, Runtime& runtime, std::int64_t now,
                         std::string_view name, std::string_view source) {
  const double spent = runtime.spend().spent(b.scope, name, b.per, now);
  json::object o{
      {"scope", config::scope_name(b.scope)}, {"match", name},          {"usd", b.usd},
      {"per", config::period_name(b.per)},    {"alert_at", b.alert_at}, {"spent_usd", spent},
      {"exceeded", spent >= b.usd},           {"source", source}};
  if (!b.id.empty()) o["id"] = b.id;
  return o;
}

// The subjects a budget with an empty match ("each one apart") is shown for.
std::set<std::string> subjects_of(const config::BudgetSpec& b, Runtime& runtime,
                                  const config::Snapshot& snapshot);

AdminAnswer budgets(Runtime& runtime, const config::Snapshot& snapshot) {
  const auto now = now_ms();
  json::array data;
  auto list = [&](const config::BudgetSpec& b, std::string_view source) {
    if (!b.match.empty() || b.scope == config::Scope::kGlobal) {
      data.emplace_back(budget_json(b, runtime, now, b.match, source));
      return;
    }
    for (const auto& n : subjects_of(b, runtime, snapshot))
      data.emplace_back(budget_json(b, runtime, now, n, source));
  };
  for (const auto& b : snapshot.governance.budgets) list(b, "config");
  for (const auto& b : *runtime.store_budgets()) list(b, "store");
  for (const auto& k : all_keys(runtime, snapshot)) {
    if (k->budget) data.emplace_back(budget_json(*k->budget, runtime, now, k->id, "key"));
  }
  return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::set<std::string> subjects_of(const config::BudgetSpec& b, Runtime& runtime,
                                  const config::Snapshot& snapshot) {
  std::set<std::string> names;
  for (const auto& k : all_keys(runtime, snapshot)) {
    governance::Subject s{k->id, k->team, k->user, {}, {}};
    if (auto who = subject_in(b.scope, s)) names.emplace(*who);
  }
  for (const auto& e : snapshot.endpoints) {
    if (b.scope == config::Scope::kEndpoint) names.insert(e.name);
    if (b.scope == config::Scope::kProvider) names.insert(e.provider);
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
    const double spent = runtime.spend().spent(b.scope, b.match, b.per, now_ms());
    o["spent_usd"] = spent;
    o["exceeded"] = spent >= b.usd;
  }
  return o;
}

AdminAnswer create_budget(const AdminRequest& req, Runtime& runtime) {
  if (auto a = need_store(runtime); a.error) return a;
  auto body = parse_body(req.body);
  if (!body) return fail(body.error());
  config::BudgetSpec b;
  if (auto e = apply_budget_fields(*body, b, /*creating=*/true)) return fail(*e);
  b.id = new_budget_id();
  b.created_at = now_ms() / 1000;
  runtime.store()->insert_budget(b);
  runtime.reload();
  return json_answer(201, stored_budget_json(b, runtime));
}

AdminAnswer one_budget(const AdminRequest& req, std::string_view id, Runtime& runtime) {
  if (auto a = need_store(runtime); a.error) return a;
  const auto stored = runtime.store_budgets();
  const config::BudgetSpec* found = nullptr;
  for (const auto& b : *stored) {
    if (b.id == id) found = &b;
  }
  if (found == nullptr)
    return not_found("No budget with id '" + std::string(id) +
                     "' (budgets in the config file have none; change them there).");
  if (req.method == "GET") return json_answer(200, stored_budget_json(*found, runtime));
  if (req.method == "PATCH") {
    auto body = parse_body(req.body);
    if (!body) return fail(body.error());
    config::BudgetSpec b = *found;
    if (auto e = apply_budget_fields(*body, b, /*creating=*/false)) return fail(*e);
    runtime.store()->update_budget(b);
    runtime.reload();
    return json_answer(200, stored_budget_json(b, runtime));
  }
  if (req.method == "DELETE") {
    runtime.store()->delete_budget(id);
    runtime.reload();
    return json_answer(200, json::object{{"id", id}, {"object", "budget"}, {"deleted", true}});
  }
  return method_not_allowed(req.method, req.path);
}

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

}  // namespace

bool is_governance_admin_path(std::string_view path) {
  for (std::string_view p : {"/admin/keys", "/admin/spend", "/admin/budgets", "/admin/teams"}) {
    if (path == p || (path.starts_with(p) && path[p.size()] == '/')) return true;
  }
  return false;
}

AdminAnswer handle_admin(const AdminRequest& req, Runtime& runtime,
                         const config::Snapshot& snapshot) {
  try {
    std::string_view path = req.path;
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    if (path == "/admin/keys") {
      if (req.method == "GET") {
        json::array data;
        for (const auto& k : all_keys(runtime, snapshot)) data.emplace_back(key_to_json(*k));
        return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
      }
      if (req.method == "POST") return create_key(req, runtime, snapshot);
      return method_not_allowed(req.method, path);
    }
    if (path.starts_with("/admin/keys/")) {
      std::string_view rest = path.substr(12);
      const auto slash = rest.find('/');
      const std::string_view id = rest.substr(0, slash);
      const std::string_view action =
          slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
      return one_key(req, id, action, runtime, snapshot);
    }
    if (path == "/admin/budgets") {
      if (req.method == "GET") return budgets(runtime, snapshot);
      if (req.method == "POST") return create_budget(req, runtime);
      return method_not_allowed(req.method, path);
    }
    if (path.starts_with("/admin/budgets/")) return one_budget(req, path.substr(15), runtime);
    if (req.method != "GET") return method_not_allowed(req.method, path);
    if (path == "/admin/spend") return spend(req, runtime);
    if (path == "/admin/teams") return teams(runtime, snapshot);
    if (path.starts_with("/admin/teams/")) return one_team(path.substr(13), runtime, snapshot);
    return not_found("Not Found");
  } catch (const std::exception& e) {
    // The store's own words (a constraint, a locked file); no request data is in them.
    return fail(
        Error::make(ErrorCode::kServiceUnavailable, std::string("Store error: ") + e.what()));
  }
}

}  // namespace sluice::governance
