#include "config/cache.hpp"

#include <yaml-cpp/yaml.h>

#include "config/reader.hpp"

namespace sluice::config {
namespace {

// The keys both forms take; `memory_bytes` only at the top.
void read_fields(const Reader& r, const YAML::Node& node, const std::string& path,
                 CacheSpec& spec) {
  using Mode = CacheSpec::Mode;
  using Scope = CacheSpec::Scope;
  using Store = CacheSpec::Store;
  if (const YAML::Node m = node["mode"]) {
    spec.mode = r.choice<Mode>(
        m, path + ".mode",
        {{"exact", Mode::kExact}, {"semantic", Mode::kSemantic}, {"off", Mode::kOff}});
  }
  if (const YAML::Node t = node["ttl_s"])
    spec.ttl = std::chrono::seconds(r.integer(t, path + ".ttl_s", 1, 365LL * 24 * 3600));
  if (const YAML::Node b = node["max_entry_bytes"]) {
    spec.max_entry_bytes = static_cast<std::uint64_t>(
        r.integer(b, path + ".max_entry_bytes", 1024, 64LL * 1024 * 1024));
  }
  if (const YAML::Node s = node["scope"]) {
    spec.scope =
        r.choice<Scope>(s, path + ".scope",
                        {{"key", Scope::kKey}, {"team", Scope::kTeam}, {"global", Scope::kGlobal}});
  }
  if (const YAML::Node s = node["store"]) {
    spec.store =
        r.choice<Store>(s, path + ".store", {{"memory", Store::kMemory}, {"redis", Store::kRedis}});
  }
  if (const YAML::Node w = node["only_when"]) {
    r.expect_map(w, path + ".only_when", {"temperature_max"});
    if (const YAML::Node t = w["temperature_max"])
      spec.temperature_max = r.number(t, path + ".only_when.temperature_max");
  }
  if (const YAML::Node s = node["streams"]) spec.streams = r.boolean(s, path + ".streams");
  if (const YAML::Node f = node["finish_reasons"]) {
    if (!f.IsSequence() || f.size() == 0)
      r.fail(f, path + ".finish_reasons", "must be a non-empty list");
    spec.finish_reasons.clear();
    for (std::size_t i = 0; i < f.size(); ++i)
      spec.finish_reasons.push_back(
          r.string(f[i], path + ".finish_reasons[" + std::to_string(i) + "]"));
  }
  if (const YAML::Node c = node["client_controls"])
    spec.client_controls = r.boolean(c, path + ".client_controls");
  if (const YAML::Node c = node["limits_count_tokens"])
    spec.limits_count_tokens = r.boolean(c, path + ".limits_count_tokens");
  if (const YAML::Node e = node["embeddings_endpoint"])
    spec.embeddings_endpoint = r.string(e, path + ".embeddings_endpoint");
  if (const YAML::Node t = node["threshold"]) {
    spec.threshold = r.number(t, path + ".threshold");
    if (spec.threshold <= 0 || spec.threshold > 1)
      r.fail(t, path + ".threshold", "must be above 0 and at most 1 (a cosine similarity)");
  }
  if (const YAML::Node m = node["max_messages"])
    spec.max_messages = static_cast<std::size_t>(r.integer(m, path + ".max_messages", 1, 1000));
  if (const YAML::Node i = node["ignore_system"])
    spec.ignore_system = r.boolean(i, path + ".ignore_system");
  if (const YAML::Node m = node["max_entries"])
    spec.max_entries = static_cast<std::size_t>(r.integer(m, path + ".max_entries", 1, 10'000'000));
  if (const YAML::Node w = node["single_flight_wait_ms"]) {
    spec.single_flight_wait =
        std::chrono::milliseconds(r.integer(w, path + ".single_flight_wait_ms", 0, 600'000));
  }
}

bool turned_off(const Reader& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) return false;
  const std::string v = r.string(node, path);
  if (v == "off" || v == "false") return true;
  r.fail(node, path, "must be a mapping, or off");
}

}  // namespace

CacheConfig read_cache_config(const Reader& r, const YAML::Node& node) {
  CacheConfig out;
  if (!node || node.IsNull()) return out;
  if (turned_off(r, node, "cache")) return out;
  r.expect_map(node, "cache",
               {"mode", "ttl_s", "max_entry_bytes", "scope", "store", "only_when", "streams",
                "finish_reasons", "client_controls", "limits_count_tokens", "single_flight_wait_ms",
                "embeddings_endpoint", "threshold", "max_messages", "ignore_system", "max_entries",
                "memory_bytes", "semantic_memory_bytes"});
  auto spec = std::make_shared<CacheSpec>();
  // A section with settings but no mode means the cache is wanted.
  spec->mode = CacheSpec::Mode::kExact;
  read_fields(r, node, "cache", *spec);
  if (const YAML::Node m = node["memory_bytes"]) {
    out.memory_bytes = static_cast<std::uint64_t>(
        r.integer(m, "cache.memory_bytes", 0, 1LL << 40));  // 0: nothing kept in process
  }
  if (const YAML::Node m = node["semantic_memory_bytes"]) {
    out.semantic_memory_bytes = static_cast<std::uint64_t>(
        r.integer(m, "cache.semantic_memory_bytes", 0, 1LL << 40));  // 0: nothing indexed
  }
  out.any = spec->mode != CacheSpec::Mode::kOff;
  out.defaults = std::move(spec);
  return out;
}

std::shared_ptr<const CacheSpec> read_cache_spec(const Reader& r, const YAML::Node& node,
                                                 const std::string& path,
                                                 const std::shared_ptr<const CacheSpec>& base) {
  if (!node || node.IsNull()) return base;
  auto spec = std::make_shared<CacheSpec>(*base);
  if (turned_off(r, node, path)) {
    spec->mode = CacheSpec::Mode::kOff;
    return spec;
  }
  r.expect_map(
      node, path,
      {"mode", "ttl_s", "max_entry_bytes", "scope", "store", "only_when", "streams",
       "finish_reasons", "client_controls", "limits_count_tokens", "single_flight_wait_ms",
       "embeddings_endpoint", "threshold", "max_messages", "ignore_system", "max_entries"});
  if (!node["mode"]) spec->mode = CacheSpec::Mode::kExact;
  read_fields(r, node, path, *spec);
  return spec;
}

CacheSpec with_key_cache(const CacheSpec& base, const KeyCache& key) {
  CacheSpec out = base;
  if (key.mode) out.mode = *key.mode;
  if (key.ttl) out.ttl = *key.ttl;
  // The enumeration runs from narrow to wide.
  if (key.scope && *key.scope < base.scope) out.scope = *key.scope;
  if (key.client_controls) out.client_controls = *key.client_controls;
  return out;
}

KeyCache read_key_cache(const Reader& r, const YAML::Node& node, const std::string& path) {
  KeyCache out;
  if (turned_off(r, node, path)) {
    out.mode = CacheSpec::Mode::kOff;
    return out;
  }
  r.expect_map(node, path, {"mode", "ttl_s", "scope", "client_controls"});
  using Mode = CacheSpec::Mode;
  using Scope = CacheSpec::Scope;
  if (const YAML::Node m = node["mode"]) {
    if (m.IsScalar() && m.Scalar() == "semantic")
      r.fail(m, path + ".mode",
             "semantic is set on an endpoint or route (with its embeddings_endpoint); a key "
             "may only turn the cache off or to exact");
    out.mode = r.choice<Mode>(m, path + ".mode", {{"exact", Mode::kExact}, {"off", Mode::kOff}});
  }
  if (const YAML::Node t = node["ttl_s"])
    out.ttl = std::chrono::seconds(r.integer(t, path + ".ttl_s", 1, 365LL * 24 * 3600));
  if (const YAML::Node s = node["scope"]) {
    out.scope =
        r.choice<Scope>(s, path + ".scope",
                        {{"key", Scope::kKey}, {"team", Scope::kTeam}, {"global", Scope::kGlobal}});
  }
  if (const YAML::Node c = node["client_controls"])
    out.client_controls = r.boolean(c, path + ".client_controls");
  return out;
}

std::string_view cache_scope_name(CacheSpec::Scope scope) {
  switch (scope) {
    case CacheSpec::Scope::kKey:
      return "key";
    case CacheSpec::Scope::kTeam:
      return "team";
    case CacheSpec::Scope::kGlobal:
      return "global";
  }
  return "";
}

}  // namespace sluice::config
