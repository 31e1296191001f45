#include "config/hosts.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "config/reader.hpp"
#include "config/snapshot.hpp"
#include "config/workspace.hpp"
#include "util/text.hpp"

namespace sluice::config {

namespace {

// A registered name or an IPv4 address (letters, digits, '-', '.'), or an IPv6 literal in
// brackets: what a Host header's host part can be (RFC 3986 §3.2.2), without a port.
bool host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  if (h.front() == '[')
    return h.size() > 2 && h.back() == ']' && std::all_of(h.begin() + 1, h.end() - 1, [](char c) {
             return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
           });
  return h.front() != '.' && h.front() != '-' && std::all_of(h.begin(), h.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
         });
}

}  // namespace

std::string host_of(std::string_view value) {
  auto trim = [](std::string_view& v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  };
  for (;;) {
    // Until nothing changes, so that the result reads as itself again (the host fuzzer's
    // rule; "a. :80" gave "a. ", which reads as "a").
    const std::string_view before = value;
    trim(value);
    if (value.starts_with('[')) {
      const auto close = value.find(']');
      if (close != std::string_view::npos) value = value.substr(0, close + 1);
    } else if (const auto colon = value.rfind(':'); colon != std::string_view::npos) {
      value = value.substr(0, colon);
    }
    while (value.ends_with('.')) value.remove_suffix(1);  // "example.com." is the same host
    if (value.size() == before.size()) break;
  }
  return util::ascii_lower(value);
}

HostWorkspaces read_hosts(const Reader& r, const YAML::Node& node) {
  HostWorkspaces out;
  if (!node) return out;
  if (!node.IsMap()) r.fail(node, "server.hosts", "must be a map of host name to workspace");
  for (const auto& entry : node) {
    const std::string name = r.string(entry.first, "server.hosts");
    const std::string path = "server.hosts." + name;
    std::string host = util::ascii_lower(name);
    while (host.ends_with('.')) host.pop_back();  // as host_of() reads the header
    if (!host_name(host))
      r.fail(entry.first, path, "must be a host name without a port (as in the Host header)");
    const std::string workspace = r.string(entry.second, path);
    if (!is_workspace_name(workspace) || workspace == "*")
      r.fail(entry.second, path, "must be a workspace name (letters, digits, '_', '-', '.')");
    for (const auto& [seen, _] : out) {
      if (seen == host) r.fail(entry.first, path, "is given twice");
    }
    out.emplace_back(host, workspace);
  }
  return out;
}

const std::string* ServerConfig::host_workspace(std::string_view host) const {
  if (hosts.empty() || host.empty()) return nullptr;
  const std::string h = host_of(host);
  for (const auto& [name, workspace] : hosts) {
    if (name == h) return &workspace;
  }
  return nullptr;
}

}  // namespace sluice::config
