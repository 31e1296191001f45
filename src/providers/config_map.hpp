#pragma once
// A provider's `model.config` section as plain data, so providers can validate their own keys
// without seeing YAML. Each value remembers its position for error messages, and the map tracks
// which keys the provider read so unknown keys are reported instead of silently ignored.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"

namespace sluice::providers {

struct ConfigValue {
  std::string text;       // scalar value, secrets already resolved
  bool is_scalar = true;  // false for maps/lists, which no provider key accepts yet
  std::string location;   // "file:line:col"
};

class ConfigMap {
 public:
  ConfigMap() = default;
  ConfigMap(std::string location, std::string path)
      : location_(std::move(location)), path_(std::move(path)) {}

  void add(const std::string& key, ConfigValue value) { values_[key] = std::move(value); }

  // Whether a value may name a file the provider reads (a key file), and a provider fall back on
  // the host's environment (AWS_*): true for the config file, false for definitions made through
  // the admin API, which must not reach the host's files or environment.
  bool files_allowed = true;

  // Reads a string key; marks it known. Non-scalars are an error.
  Result<std::optional<std::string>> string(const std::string& key) const;
  // Reads a non-negative integer key within [min, max].
  Result<std::optional<long long>> integer(const std::string& key, long long min,
                                           long long max) const;
  Result<std::optional<bool>> boolean(const std::string& key) const;
  // Marks a key as accepted without reading it.
  void accept(const std::string& key) const { used_.insert(key); }
  bool has(const std::string& key) const { return values_.contains(key); }

  // Error for a key: "file:line:col: endpoints[0].model.config.key: message".
  Error fail(const std::string& key, const std::string& message) const;
  // Error for the section as a whole (e.g. a missing required key).
  Error fail_section(const std::string& message) const;
  // First key the provider never read, as an error; call after the provider read its keys.
  Result<void> reject_unknown() const;
  // Keys starting with `prefix` (a nested map's entries are read as "parent.child" keys).
  std::vector<std::string> keys_with_prefix(std::string_view prefix) const {
    std::vector<std::string> out;
    for (const auto& [key, value] : values_) {
      if (key.starts_with(prefix)) out.push_back(key);
    }
    return out;
  }

 private:
  std::map<std::string, ConfigValue> values_;
  mutable std::set<std::string> used_;
  std::string location_;  // of the config section itself
  std::string path_;      // "endpoints[0].model.config"
};

}  // namespace sluice::providers
