#pragma once
// `server.hosts:` — a Host header that belongs to a workspace (docs/control-plane.md):
//
//   server:
//     hosts:
//       ml.example.com: ml-team
//
// Names are host names as a client sends them in Host (RFC 9110 §7.2), without a port; matched
// without regard to case and with any port dropped.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

using HostWorkspaces = std::vector<std::pair<std::string, std::string>>;  // host (lower) → name

HostWorkspaces read_hosts(const Reader& r, const YAML::Node& node);

// The host part of a Host header's value, lower case: "ML.example.com:8080" → "ml.example.com",
// "[::1]:80" → "[::1]". Empty when the value is empty.
std::string host_of(std::string_view host_header);

}  // namespace sluice::config
