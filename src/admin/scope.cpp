#include "admin/scope.hpp"

#include "admin/support.hpp"

namespace sluice::admin {

Error admin_key_only(std::string_view what) {
  Error e = Error::make(ErrorCode::kForbidden, std::string(what) +
                                                   " needs the admin key; a workspace admin key "
                                                   "manages its own workspace only.");
  e.error_code = "admin_key_required";
  return e;
}

std::optional<Error> place_in_workspace(const AdminRequest& req,
                                        const std::optional<std::string>& given,
                                        std::string& workspace) {
  if (!req.workspace) {
    if (given) workspace = *given;
    return std::nullopt;
  }
  if (given && *given != *req.workspace) {
    Error e =
        admin_key_only("Putting an object in another workspace than '" + *req.workspace + "'");
    e.param = "workspace";
    return e;
  }
  workspace = *req.workspace;
  return std::nullopt;
}

std::optional<Error> confine_ledger(const AdminRequest& req,
                                    std::vector<std::pair<stores::SpendBy, std::string>>& where) {
  if (!req.workspace) return std::nullopt;
  for (const auto& [by, value] : where) {
    if (by == stores::SpendBy::kWorkspace && value != *req.workspace) {
      Error e = admin_key_only("Reading another workspace than '" + *req.workspace + "'");
      e.param = "workspace";
      return e;
    }
  }
  where.emplace_back(stores::SpendBy::kWorkspace, *req.workspace);
  return std::nullopt;
}

std::optional<Error> check_admin_role(const config::KeySpec& key) {
  if (!key.admin || !key.workspace.empty()) return std::nullopt;
  return Error::invalid(
      "role: admin needs a workspace (the admin key manages the default workspace).", "role");
}

std::optional<Error> check_declared(const config::Snapshot& snapshot, std::string_view workspace) {
  if (snapshot.workspace_declared(workspace)) return std::nullopt;
  return Error::invalid("workspace: '" + std::string(workspace.substr(0, 64)) +
                            "' is not declared in the config file's workspaces:.",
                        "workspace");
}

bool key_in_workspace(governance::Runtime& runtime, const config::Snapshot& snapshot,
                      std::string_view id, std::string_view workspace) {
  if (const auto* k = config_key(snapshot, id)) return k->workspace == workspace;
  if (runtime.store() == nullptr) return false;
  const auto k = runtime.store_key(id);
  return k != nullptr && k->workspace == workspace;
}

bool sees_budget(const AdminRequest& req, governance::Runtime& runtime,
                 const config::Snapshot& snapshot, config::Scope scope, std::string_view name) {
  if (!req.workspace) return true;
  // (An empty match is "each workspace apart", never one workspace's.)
  if (scope == config::Scope::kWorkspace) return !name.empty() && name == *req.workspace;
  if (scope == config::Scope::kKey)
    return key_in_workspace(runtime, snapshot, name, *req.workspace);
  return false;
}

}  // namespace sluice::admin
