// The admin API's paths: which resource a request is for, and the governance resources' answers.
#include <algorithm>
#include <cctype>

#include "admin/admin_api.hpp"
#include "admin/scope.hpp"
#include "admin/support.hpp"

namespace sluice::admin {

using governance::Runtime;

AdminPath match_admin_path(std::string_view method, std::string_view path) {
  // (As handle_admin reads it: "/admin/routes/" is the health view, not a route named "".)
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/admin/reload") return {AdminPath::kReload, method == "POST" ? "" : "POST"};
  if (path == "/admin/routes") {
    if (method == "POST") return {AdminPath::kGovernance, ""};
    return {AdminPath::kRoutes, method == "GET" ? "" : "GET, POST"};
  }
  if (path == "/admin/cache")
    return {AdminPath::kGovernance, method == "GET" || method == "DELETE" ? "" : "GET, DELETE"};
  if (!mlflow_gateway_rest(path).empty()) return {AdminPath::kGovernance, ""};
  for (std::string_view p : {"/admin/keys", "/admin/spend", "/admin/usage", "/admin/requests",
                             "/admin/budgets", "/admin/teams", "/admin/endpoints", "/admin/routes",
                             "/admin/secrets", "/admin/audit", "/admin/workspaces"}) {
    if (path == p || (path.starts_with(p) && path[p.size()] == '/'))
      return {AdminPath::kGovernance, ""};
  }
  return {AdminPath::kNone, ""};
}

std::optional<Error> unknown_query(std::string_view path, std::string_view query) {
  if (query.empty()) return std::nullopt;
  // The name of the first parameter, for the message (its value may be anything).
  while (query.starts_with('&')) query.remove_prefix(1);  // empty segments name nothing
  std::string name(query.substr(0, std::min<std::size_t>(query.find_first_of("=&"), 64)));
  const bool plain =
      name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
  if (!plain) name.clear();  // not echoed: it could be anything
  Error e = Error::invalid((name.empty() ? std::string("A query string was sent, but ")
                                         : "Unknown query parameter '" + name + "': ") +
                           std::string(path) + " takes no query parameters.");
  if (!name.empty()) e.param = name;
  return e;
}

AdminAnswer handle_admin(const AdminRequest& req, Runtime& runtime,
                         const config::Snapshot& snapshot, cache::ResponseCache* cache_store) {
  const bool mlflow = !mlflow_gateway_rest(req.path).empty();
  try {
    if (mlflow) return mlflow_gateway(req, runtime, snapshot);
    std::string_view path = req.path;
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    // The cache and teams span workspaces (a team's keys may sit in several).
    if (req.workspace &&
        (path == "/admin/cache" || path == "/admin/teams" || path.starts_with("/admin/teams/")))
      return fail(admin_key_only(path == "/admin/cache" ? "/admin/cache" : "/admin/teams"));
    if (path == "/admin/cache") return cache(req, cache_store);
    if (path != "/admin/spend" && path != "/admin/usage" && path != "/admin/requests" &&
        path != "/admin/audit") {
      if (auto e = unknown_query(path, req.query)) return fail(*e);
    }
    if (path == "/admin/keys") {
      if (req.method == "GET") return list_keys(req, runtime, snapshot);
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
    if (path == "/admin/endpoints") {
      if (req.method == "GET") return list_endpoints(req, runtime, snapshot);
      if (req.method == "POST") return config_object(req, "endpoint", "", runtime, snapshot);
      return method_not_allowed(req.method, path);
    }
    if (path.starts_with("/admin/endpoints/"))
      return config_object(req, "endpoint", path.substr(17), runtime, snapshot);
    if (path == "/admin/routes") return config_object(req, "route", "", runtime, snapshot);
    if (path.starts_with("/admin/routes/"))
      return config_object(req, "route", path.substr(14), runtime, snapshot);
    if (path == "/admin/secrets") return secrets(req, "", runtime, snapshot);
    if (path.starts_with("/admin/secrets/"))
      return secrets(req, path.substr(15), runtime, snapshot);
    if (path == "/admin/workspaces") {
      if (req.method != "GET") return method_not_allowed(req.method, path);
      return workspaces(req, runtime, snapshot);
    }
    if (path == "/admin/audit") {
      if (req.method != "GET") return method_not_allowed(req.method, path);
      return audit(req, runtime);
    }
    if (path == "/admin/budgets") {
      if (req.method == "GET") return budgets(req, runtime, snapshot);
      if (req.method == "POST") return create_budget(req, runtime, snapshot);
      return method_not_allowed(req.method, path);
    }
    if (path.starts_with("/admin/budgets/"))
      return one_budget(req, path.substr(15), runtime, snapshot);
    if (req.method != "GET") return method_not_allowed(req.method, path);
    if (path == "/admin/spend") return spend(req, runtime);
    if (path == "/admin/usage") return usage(req, runtime);
    if (path == "/admin/requests") return requests(req, runtime);
    if (path.starts_with("/admin/requests/")) return one_request(req, path.substr(16), runtime);
    if (path == "/admin/teams") return teams(runtime, snapshot);
    if (path.starts_with("/admin/teams/")) return one_team(path.substr(13), runtime, snapshot);
    return not_found("Not Found");
  } catch (const std::exception& e) {
    // The store's own words (a constraint, a locked file); no request data is in them.
    Error error =
        Error::make(ErrorCode::kServiceUnavailable, std::string("Store error: ") + e.what());
    return mlflow ? mlflow_error(error) : fail(std::move(error));
  }
}

}  // namespace sluice::admin
