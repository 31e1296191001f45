#include "providers/config_map.hpp"

#include <charconv>

namespace sluice::providers {

Error ConfigMap::fail(const std::string& key, const std::string& message) const {
  auto it = values_.find(key);
  const std::string& where = it == values_.end() ? location_ : it->second.location;
  return Error::invalid(where + ": " + path_ + "." + key + ": " + message);
}

Error ConfigMap::fail_section(const std::string& message) const {
  return Error::invalid(location_ + ": " + path_ + ": " + message);
}

Result<std::optional<std::string>> ConfigMap::string(const std::string& key) const {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return std::optional<std::string>{};
  if (!it->second.is_scalar) return fail(key, "must be a string");
  return std::optional<std::string>{it->second.text};
}

Result<std::optional<long long>> ConfigMap::integer(const std::string& key, long long min,
                                                    long long max) const {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return std::optional<long long>{};
  const std::string& t = it->second.text;
  long long v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (!it->second.is_scalar || ec != std::errc{} || end != t.data() + t.size()) {
    return fail(key, "must be an integer");
  }
  if (v < min || v > max) {
    return fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return std::optional<long long>{v};
}

Result<std::optional<bool>> ConfigMap::boolean(const std::string& key) const {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return std::optional<bool>{};
  const std::string& t = it->second.text;
  if (it->second.is_scalar && (t == "true" || t == "True")) return std::optional<bool>{true};
  if (it->second.is_scalar && (t == "false" || t == "False")) return std::optional<bool>{false};
  return fail(key, "must be true or false");
}

Result<void> ConfigMap::reject_unknown() const {
  for (const auto& [key, value] : values_) {
    if (!used_.contains(key)) return fail(key, "unknown key for this provider");
  }
  return {};
}

}  // namespace sluice::providers
