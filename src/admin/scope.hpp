#pragma once
// What a workspace admin key may reach through the admin API (docs/control-plane.md, "Workspace
// admins"): its workspace's keys, endpoints, routes, secrets, budgets, spend, usage, request log
// and audit trail. Anything of another workspace answers as if it did not exist (404), so a
// workspace admin learns nothing about the others; what it may see but not change (a shared
// "*" endpoint, a resource only the admin key manages) answers 403. The admin key and the CLI
// (request.workspace unset) reach everything.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/admin_api.hpp"
#include "config/snapshot.hpp"
#include "governance/runtime.hpp"
#include "stores/governance_store.hpp"

namespace sluice::admin {

// Whether the caller manages objects of `workspace` (the admin key: every one).
inline bool manages(const AdminRequest& req, std::string_view workspace) {
  return !req.workspace || *req.workspace == workspace;
}

// Whether the caller may see objects of `workspace`: its own and the shared ("*") ones.
inline bool sees(const AdminRequest& req, std::string_view workspace) {
  return !req.workspace || *req.workspace == workspace || workspace == "*";
}

// The 403 for a workspace admin reaching for what only the admin key may do (`what` says it).
Error admin_key_only(std::string_view what);

// The workspace a new object is put in: the body's `workspace` (already read into `given`;
// nullopt when absent) for the admin key; a workspace admin's own, and a 403 naming
// `workspace` when the body names another.
std::optional<Error> place_in_workspace(const AdminRequest& req,
                                        const std::optional<std::string>& given,
                                        std::string& workspace);

// A ledger resource's filters (/admin/spend, /admin/usage, /admin/requests) for a workspace
// admin: its workspace added to `where`; a 403 on `workspace` when the query names another.
std::optional<Error> confine_ledger(const AdminRequest& req,
                                    std::vector<std::pair<stores::SpendBy, std::string>>& where);

// A 400 on `role` for a key with role: admin in the default workspace (only the admin key
// manages that one: it holds what the operator made without naming a workspace).
std::optional<Error> check_admin_role(const config::KeySpec& key);

// A 400 on `workspace` when the file declares workspaces (workspaces:) and not this one.
std::optional<Error> check_declared(const config::Snapshot& snapshot, std::string_view workspace);

// Whether the key with this id (the file's or the store's) belongs to `workspace`.
bool key_in_workspace(governance::Runtime& runtime, const config::Snapshot& snapshot,
                      std::string_view id, std::string_view workspace);

// Whether a workspace admin sees the budget shown for `name` in `scope` (a budget for "each
// workspace" is listed once per workspace): its workspace's own, and those of its keys.
bool sees_budget(const AdminRequest& req, governance::Runtime& runtime,
                 const config::Snapshot& snapshot, config::Scope scope, std::string_view name);

}  // namespace sluice::admin
