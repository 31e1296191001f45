#pragma once
// The admin API (bearer auth.admin_key). Its own paths, so the server's path table knows only
// the /admin/ prefix (the admin key manages everything; a key with role: admin manages its own
// workspace — docs/control-plane.md "Workspace admins"):
//   POST   /admin/reload               reload the config file (the server answers it)
//   GET    /admin/routes               routes with their destinations' health (the server)
// and the governance resources, answered by a plain function so the CLI runs the very same code
// against the configured store (keys.cpp, budgets.cpp, teams.cpp, spend.cpp):
//   GET    /admin/keys                 list (config keys and store keys; never a secret or hash)
//   POST   /admin/keys                 create → 201 with the secret, shown this once
//   GET    /admin/keys/{id}            one key
//   PATCH  /admin/keys/{id}            change fields (name, team, endpoints, limits, budget, …)
//   POST   /admin/keys/{id}/rotate     new secret, same id and settings
//   DELETE /admin/keys/{id}            revoke
//   GET    /admin/teams                teams with their keys and this month's spend
//   GET    /admin/budgets              every budget with what it has spent this period
//   GET    /admin/spend?by=team&since=7d[&per_day=true][&format=csv]
//   GET    /admin/usage?by=endpoint&bucket=1h&since=7d[&format=csv]  time series for charts
//   GET    /admin/requests[?since&until&key&endpoint&status&limit]   the payload log
//   GET    /admin/requests/{id}        one logged request, with its prompt and answer
//   GET    /admin/cache                the response cache: entries, bytes, hit rate, saved
//   DELETE /admin/cache[?endpoint=NAME][&key=ID|team=NAME|global=true]  drop entries
// and the control plane (control_plane.cpp, docs/control-plane.md):
//   GET    /admin/endpoints            every endpoint, the file's and the store's
//   POST   /admin/endpoints            create one in the store (the file's entry as JSON)
//   GET, PATCH, DELETE /admin/endpoints/{name}   (PATCH: a JSON merge patch, RFC 7396)
//   POST   /admin/routes; GET, PATCH, DELETE /admin/routes/{name}   the same for routes
//   GET, POST /admin/secrets; GET, PATCH, DELETE /admin/secrets/{name}   never the value
//   GET    /admin/audit[?since&until&kind&name&limit]   every change, newest first
//   GET    /admin/workspaces           every workspace with its keys, endpoints, routes, secrets
// Blocking (it reads and writes the store): the server runs it on its blocking pool.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cache/response_cache.hpp"
#include "config/snapshot.hpp"
#include "governance/runtime.hpp"
#include "model/error.hpp"

namespace sluice::admin {

struct AdminRequest {
  std::string_view method;
  std::string_view path;
  std::string_view query;  // without '?'
  std::string_view body;
  // Who asks, for the audit trail: "admin" (the admin key), "cli", or "key:<id>" (a workspace
  // admin key).
  std::string actor = "admin";
  // A workspace admin key's call: the one workspace it manages (admin/scope.hpp); nullopt for
  // the admin key and the CLI, which manage every workspace.
  std::optional<std::string> workspace{};
};

struct AdminAnswer {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::optional<Error> error;  // when set, the answer is this error in OpenAI's shape
};

// Which admin resource a path is for; `allow` is set when the method is not the one it takes.
struct AdminPath {
  enum Kind { kNone, kReload, kRoutes, kGovernance };
  Kind kind = kNone;
  std::string_view allow;
};
AdminPath match_admin_path(std::string_view method, std::string_view path);

// A 400 naming the first query parameter of a path that takes none (every admin path but
// /admin/spend and /admin/usage): a parameter the gateway ignored could make a client read an
// answer as filtered when it is not.
std::optional<Error> unknown_query(std::string_view path, std::string_view query);

// MLflow 3's gateway management API (mlflow_gateway.cpp, docs/mlflow-compat.md):
//   POST /api/3.0/mlflow/gateway/{secrets,model-definitions,endpoints}/create
//   GET  …/get?{id or name}, …/list[?provider&secret_id]
//   POST or PATCH …/update; DELETE …/delete (the id in the JSON body or the query)
//   POST /api/3.0/mlflow/gateway/endpoints/models/attach, POST or DELETE …/models/detach
//   …/budgets/{create,get,list,update,delete} and GET …/budgets/windows (store budgets)
// also under /ajax-api/3.0/mlflow/gateway/ (MLflow's UI). The part of `path` after either
// prefix ("secrets/create"), or "" when it is not one of these paths.
std::string_view mlflow_gateway_rest(std::string_view path);
// An error as MLflow's REST API gives it: {"error_code": "RESOURCE_DOES_NOT_EXIST", "message":
// …} with the status MLflow maps that code to.
AdminAnswer mlflow_error(const Error& error);

// GET /v1/key (docs/governance.md "Your own key"): what the holder of a gateway key may know of
// it — its settings as /admin/keys shows them (without metadata, which is the operator's), the
// budgets that count every one of its requests (its own; key, team, user, workspace and global
// scopes that match it) with what they have spent and what is left this period, and what the
// key spent today and this month (USD, tokens). Endpoint- and provider-scoped budgets are left
// out: they depend on what is called; a global budget shows its caps and whether it is
// exceeded, not what the whole gateway spent. Reads the spend view only (no store call): fine on an
// event loop.
boost::json::object own_key(const config::KeySpec& key, governance::Runtime& runtime,
                            const config::Snapshot& snapshot);

// The governance resources (kGovernance paths). Blocking.
AdminAnswer handle_admin(const AdminRequest& request, governance::Runtime& runtime,
                         const config::Snapshot& snapshot, cache::ResponseCache* cache = nullptr);

}  // namespace sluice::admin
