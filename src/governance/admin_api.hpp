#pragma once
// The governance part of the admin API (bearer auth.admin_key), as a plain function so the CLI
// runs the very same code against the configured store:
//   GET    /admin/keys                 list (config keys and store keys; never a secret or hash)
//   POST   /admin/keys                 create → 201 with the secret, shown this once
//   GET    /admin/keys/{id}            one key
//   PATCH  /admin/keys/{id}            change fields (name, team, endpoints, limits, budget, …)
//   POST   /admin/keys/{id}/rotate     new secret, same id and settings
//   DELETE /admin/keys/{id}            revoke
//   GET    /admin/teams                teams with their keys and this month's spend
//   GET    /admin/budgets              every budget with what it has spent this period
//   GET    /admin/spend?by=team&since=7d[&per_day=true][&format=csv]
// Blocking (it reads and writes the store): the server runs it on its blocking pool.

#include <optional>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "governance/runtime.hpp"
#include "model/error.hpp"

namespace sluice::governance {

struct AdminRequest {
  std::string_view method;
  std::string_view path;
  std::string_view query;  // without '?'
  std::string_view body;
};

struct AdminAnswer {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::optional<Error> error;  // when set, the answer is this error in OpenAI's shape
};

bool is_governance_admin_path(std::string_view path);
AdminAnswer handle_admin(const AdminRequest& request, Runtime& runtime,
                         const config::Snapshot& snapshot);

}  // namespace sluice::governance
