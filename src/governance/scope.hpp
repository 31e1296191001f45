#pragma once
// Who a request is, for the scopes limits and budgets name (key, team, user, endpoint,
// provider, global).

#include <optional>
#include <string_view>

#include "config/governance.hpp"

namespace sluice::governance {

struct Subject {
  std::string_view key_id;
  std::string_view team;
  std::string_view user;
  std::string_view endpoint;
  std::string_view provider;
  std::string_view workspace;  // "" the default workspace (a name like any other here)
};

// The request's name in `scope`; nullopt when it has none there (no key, hence no team).
inline std::optional<std::string_view> subject_in(config::Scope scope, const Subject& s) {
  auto present = [](std::string_view v) -> std::optional<std::string_view> {
    if (v.empty()) return std::nullopt;
    return v;
  };
  switch (scope) {
    case config::Scope::kKey:
      return present(s.key_id);
    case config::Scope::kTeam:
      return present(s.team);
    case config::Scope::kUser:
      return present(s.user);
    case config::Scope::kEndpoint:
      return present(s.endpoint);
    case config::Scope::kProvider:
      return present(s.provider);
    case config::Scope::kGlobal:
      return std::string_view("");
    case config::Scope::kWorkspace:
      return s.workspace;
  }
  return std::nullopt;
}

// Whether a limit or budget with this scope and match counts the request, and under which name.
inline std::optional<std::string_view> counted_as(config::Scope scope, std::string_view match,
                                                  const Subject& s) {
  auto name = subject_in(scope, s);
  if (!name || (!match.empty() && match != *name)) return std::nullopt;
  return name;
}

}  // namespace sluice::governance
