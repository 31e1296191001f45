#pragma once
// Workspaces (docs/control-plane.md): a key, an endpoint or a route belongs to one, "" being the
// default workspace; an endpoint or route in "*" is shared with every workspace. A key sees and
// calls what is in its own workspace or shared, nothing else (another workspace's names answer
// as if they did not exist). A config that names no workspace is all in the default one.

#include <algorithm>
#include <cctype>
#include <string_view>

namespace sluice::config {

// Letters, digits, '_', '-', '.', not only dots, at most 64 characters; or "*" (shared).
inline bool is_workspace_name(std::string_view w) {
  if (w == "*") return true;
  return !w.empty() && w.size() <= 64 && w.find_first_not_of('.') != std::string_view::npos &&
         std::all_of(w.begin(), w.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
         });
}

// Whether a caller in workspace `caller` may see an object in workspace `object`.
inline bool workspace_visible(std::string_view caller, std::string_view object) {
  return object == "*" || object == caller;
}

}  // namespace sluice::config
