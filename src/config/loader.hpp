#pragma once
// Reads an MLflow AI Gateway YAML file (plus sluice's own `server:` section) into a Snapshot.
// Every problem is reported as "file:line:col: path.to.key: what is wrong"; nothing unknown is
// silently ignored, and secret values never appear in a message.

#include <string>
#include <string_view>

#include "config/secrets.hpp"
#include "config/snapshot.hpp"

namespace sluice::config {

Result<SnapshotPtr> load_file(const std::string& path, const EnvLookup& env = process_env);
Result<SnapshotPtr> load_string(std::string_view yaml, const std::string& source_name,
                                const EnvLookup& env = process_env);

// Human-readable list of endpoints, for `sluice check-config`.
std::string describe(const Snapshot& snapshot);

}  // namespace sluice::config
