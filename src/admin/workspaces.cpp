// GET /admin/workspaces: every workspace — declared in the file (workspaces:) or named by a key,
// endpoint, route or secret — with what it holds. A workspace admin sees its own only.
#include <boost/json.hpp>
#include <map>

#include "admin/scope.hpp"
#include "admin/support.hpp"
#include "config/mlflow_objects.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;

AdminAnswer workspaces(const AdminRequest& req, Runtime& runtime,
                       const config::Snapshot& snapshot) {
  struct Counts {
    std::string description;
    bool declared = false;
    std::uint64_t keys = 0, endpoints = 0, routes = 0, secrets = 0;
  };
  std::map<std::string, Counts> all;  // by name, "" the default workspace
  all[""];
  for (const auto& [name, description] : snapshot.workspaces) {
    all[name].declared = true;
    all[name].description = description;
  }
  for (const auto& k : all_keys(runtime, snapshot)) ++all[k->workspace].keys;
  for (const auto& e : snapshot.endpoints) {
    if (e.workspace != "*") ++all[e.workspace].endpoints;
  }
  for (const auto& r : snapshot.routes) {
    if (r.workspace != "*" && !r.implicit) ++all[r.workspace].routes;
  }
  if (runtime.control() != nullptr) {
    const auto stored = runtime.stored_config();
    for (const auto& s : stored->secrets) {
      if (s.workspace != "*") ++all[s.workspace].secrets;
    }
    for (const auto& o : stored->objects) {  // (MLflow's secrets count as secrets)
      if (o.kind == config::mlflow::kSecretKind) ++all[o.workspace].secrets;
    }
  }
  json::array data;
  for (const auto& [name, c] : all) {
    if (!manages(req, name)) continue;
    data.emplace_back(json::object{{"object", "workspace"},
                                   {"name", name},
                                   {"default", name.empty()},
                                   {"declared", c.declared},
                                   {"description", c.description},
                                   {"keys", c.keys},
                                   {"endpoints", c.endpoints},
                                   {"routes", c.routes},
                                   {"secrets", c.secrets}});
  }
  return json_answer(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace sluice::admin
