#pragma once
// Reads an MLflow AI Gateway YAML file (plus sluice's own `server:` section) into a Snapshot.
// Every problem is reported as "file:line:col: path.to.key: what is wrong"; nothing unknown is
// silently ignored, and secret values never appear in a message.

#include <functional>
#include <string>
#include <string_view>

#include "config/secrets.hpp"
#include "config/snapshot.hpp"
#include "config/stored.hpp"

namespace sluice::config {

// Whether a path is one of the server's own (a named route may not take it). The server's path
// table is above config, so it is given here rather than known (pipeline::is_reserved_path).
using ReservedPath = std::function<bool(std::string_view path)>;

// `reserved` empty: no path is refused for shadowing (tools that only read a config).
// `stored`: the endpoints, routes and secrets kept in the store (config/stored.hpp), merged after
// the file's; an error in one is "stored endpoint 'NAME': field: what is wrong". Null: none (a
// `{secret: NAME}` reference then fails).
Result<SnapshotPtr> load_file(const std::string& path, const EnvLookup& env = process_env,
                              const ReservedPath& reserved = {},
                              const StoredConfig* stored = nullptr);
Result<SnapshotPtr> load_string(std::string_view yaml, const std::string& source_name,
                                const EnvLookup& env = process_env,
                                const ReservedPath& reserved = {},
                                const StoredConfig* stored = nullptr);

// Human-readable list of endpoints, for `sluice check-config`.
std::string describe(const Snapshot& snapshot);

}  // namespace sluice::config
