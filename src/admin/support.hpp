#pragma once
// What the admin API's resource handlers share: answers, errors, reading the body and query.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/admin_api.hpp"
#include "cache/response_cache.hpp"
#include "util/url.hpp"

namespace sluice::admin {

using util::query_value;

std::int64_t now_ms();
AdminAnswer fail(Error e);
AdminAnswer not_found(std::string_view what);
AdminAnswer method_not_allowed(std::string_view method, std::string_view path);
AdminAnswer json_answer(unsigned status, const boost::json::value& v);
// "7d", "24h", "30m", "2026-11-01" → unix ms (empty: the last 30 days); nullopt when unreadable.
std::optional<std::int64_t> since_ms(std::string_view since, std::int64_t now);
// A resource's `since`/`until` parameters as [since_ms, until_ms): `since` empty takes
// `default_since`, `until` empty is now (inclusive). An answer (400 naming the parameter) when
// one is unreadable.
std::optional<AdminAnswer> read_time_window(const std::string& since, const std::string& until,
                                            std::string_view default_since, std::int64_t& since_out,
                                            std::int64_t& until_out);
// "7d", "24h", "30m" → ms; nullopt when unreadable.
std::optional<std::int64_t> duration_ms(std::string_view text);
std::string csv_field(std::string_view v);
// The query string of a ledger resource (/admin/spend, /admin/usage): each parameter named in
// `slots` goes to its string, key/team/user/endpoint/model/provider are filters (into `where`,
// echoed in `filters`). Every parameter must be one of those: a filter the gateway ignored
// would answer for every key. An error answer (400 naming the parameter; `path` and `takes`
// say what the resource accepts) or nullopt.
std::optional<AdminAnswer> read_ledger_query(
    std::string_view query, std::initializer_list<std::pair<std::string_view, std::string*>> slots,
    std::vector<std::pair<stores::SpendBy, std::string>>& where, boost::json::object& filters,
    std::string_view path, std::string_view takes);
std::string money(double v);
// The body as a JSON object ("" counts as {}).
Result<boost::json::object> parse_body(std::string_view body);
// The key the config file declares with this id, if any.
const config::KeySpec* config_key(const config::Snapshot& s, std::string_view id);
// An answer with an error when there is no store to keep keys, budgets and spend in.
AdminAnswer need_store(governance::Runtime& runtime);
// The config file's keys and the store's.
std::vector<std::shared_ptr<const config::KeySpec>> all_keys(governance::Runtime& runtime,
                                                             const config::Snapshot& snapshot);

// The resources (keys.cpp, budgets.cpp, teams.cpp, spend.cpp), each given the path's parts.
AdminAnswer list_keys(const AdminRequest& req, governance::Runtime& runtime,
                      const config::Snapshot& snapshot);
AdminAnswer create_key(const AdminRequest& req, governance::Runtime& runtime,
                       const config::Snapshot& snapshot);
AdminAnswer one_key(const AdminRequest& req, std::string_view id, std::string_view action,
                    governance::Runtime& runtime, const config::Snapshot& snapshot);
AdminAnswer budgets(const AdminRequest& req, governance::Runtime& runtime,
                    const config::Snapshot& snapshot);
AdminAnswer create_budget(const AdminRequest& req, governance::Runtime& runtime,
                          const config::Snapshot& snapshot);
AdminAnswer one_budget(const AdminRequest& req, std::string_view id, governance::Runtime& runtime,
                       const config::Snapshot& snapshot);
// A budget whose on_exceed: fallback names no endpoint of the running config: a 400 on `field`
// (a route is not one: the request is sent to its fallback once, as it is). A workspace admin's
// budget may only fall back to an endpoint its workspace sees (another's answers as none).
std::optional<Error> check_budget_fallback(const config::BudgetSpec& budget,
                                           const config::Snapshot& snapshot,
                                           const std::string& field,
                                           const AdminRequest* req = nullptr);
// Shared with teams.cpp: a budget with what it has spent, as listed.
boost::json::object budget_json(const config::BudgetSpec& b, governance::Runtime& runtime,
                                std::int64_t now, std::string_view name, std::string_view source);
AdminAnswer teams(governance::Runtime& runtime, const config::Snapshot& snapshot);
AdminAnswer one_team(std::string_view encoded, governance::Runtime& runtime,
                     const config::Snapshot& snapshot);
AdminAnswer spend(const AdminRequest& req, governance::Runtime& runtime);
AdminAnswer usage(const AdminRequest& req, governance::Runtime& runtime);
AdminAnswer requests(const AdminRequest& req, governance::Runtime& runtime);
AdminAnswer one_request(const AdminRequest& req, std::string_view id, governance::Runtime& runtime);
// GET and DELETE /admin/cache (cache.cpp); `store` null: the gateway has none.
AdminAnswer cache(const AdminRequest& req, cache::ResponseCache* store);
// The control plane (control_plane.cpp): `kind` is "endpoint" or "route"; `name` empty for the
// collection.
AdminAnswer list_endpoints(const AdminRequest& req, governance::Runtime& runtime,
                           const config::Snapshot& snapshot);
AdminAnswer config_object(const AdminRequest& req, std::string_view kind, std::string_view name,
                          governance::Runtime& runtime, const config::Snapshot& snapshot);
AdminAnswer secrets(const AdminRequest& req, std::string_view name, governance::Runtime& runtime,
                    const config::Snapshot& snapshot);
AdminAnswer audit(const AdminRequest& req, governance::Runtime& runtime);
// MLflow 3's gateway management API (mlflow_gateway.cpp): a path mlflow_gateway_rest() takes;
// errors already in MLflow's shape.
AdminAnswer mlflow_gateway(const AdminRequest& req, governance::Runtime& runtime,
                           const config::Snapshot& snapshot);
// …/budgets/{create,get,list,update,delete,windows} (mlflow_budgets.cpp): store budgets.
AdminAnswer mlflow_budgets(const AdminRequest& req, std::string_view verb,
                           governance::Runtime& runtime, const config::Snapshot& snapshot);
// GET /admin/workspaces (workspaces.cpp).
AdminAnswer workspaces(const AdminRequest& req, governance::Runtime& runtime,
                       const config::Snapshot& snapshot);
// Puts a change made through the admin API or the CLI (a key, a budget of `workspace`) in the
// audit trail; `before`/`after` null when there is none. Never a secret in either.
void record_change(const AdminRequest& req, governance::Runtime& runtime, std::string action,
                   std::string kind, std::string name, std::string workspace,
                   const boost::json::value& before, const boost::json::value& after);

}  // namespace sluice::admin
