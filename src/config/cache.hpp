#pragma once
// The response cache's config (`cache:` at the top of the file, on an endpoint, on a route):
// which requests may be answered from a stored answer, for how long, shared with whom. The
// top-level section sets the defaults and the in-process store's size; an endpoint's or route's
// own section overrides the fields it names (`cache: off` turns it off there). docs/cache.md.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

struct CacheSpec {
  // semantic: exact first, then a similar enough earlier prompt (below) answers too.
  enum class Mode : std::uint8_t { kOff, kExact, kSemantic };
  // Who may be answered with an entry: the key that stored it, its team (a key without a team
  // is its own), or everyone calling the endpoint. Never wider than the config says.
  enum class Scope : std::uint8_t { kKey, kTeam, kGlobal };
  enum class Store : std::uint8_t { kMemory, kRedis };

  Mode mode = Mode::kOff;
  std::chrono::milliseconds ttl{3'600'000};
  std::uint64_t max_entry_bytes = 1024 * 1024;  // a bigger answer is not stored
  Scope scope = Scope::kKey;
  Store store = Store::kMemory;
  // Requests with a higher `temperature` are not cached (their answers are meant to vary);
  // nullopt: any temperature.
  std::optional<double> temperature_max;
  bool streams = true;  // streamed requests are answered from and stored into the cache
  // An answer is stored only when every choice ended with one of these (embeddings always are).
  std::vector<std::string> finish_reasons{"stop", "length"};
  // Cache-Control (no-cache, no-store, max-age) and x-sluice-cache-ttl from clients are obeyed.
  bool client_controls = true;
  // A hit counts its tokens against token limits (default: a hit is a request of 0 tokens).
  bool limits_count_tokens = false;
  // Identical misses wait this long for the first one's answer before going upstream themselves.
  std::chrono::milliseconds single_flight_wait{30'000};

  // Semantic mode: the last user turn is embedded by `embeddings_endpoint` (an
  // llm/v1/embeddings endpoint of the same config, called as a sub-request); an earlier request
  // whose embedding is at least `threshold` similar (cosine), with the same endpoint, tenant,
  // parameters, system prompt (unless ignore_system: then it is not compared) and earlier turns,
  // answers it. Only chat requests of at most `max_messages` messages, without tool calls, tool
  // results or images, and with a temperature absent or at most only_when.temperature_max (0
  // when not set) are looked up so.
  std::string embeddings_endpoint;
  double threshold = 0.95;
  std::size_t max_messages = 4;
  bool ignore_system = false;
  std::size_t max_entries = 10'000;  // per endpoint and tenant; the oldest go first
};

struct CacheConfig {
  // The defaults every endpoint and route starts from; off unless the section turns it on.
  std::shared_ptr<const CacheSpec> defaults = std::make_shared<CacheSpec>();
  std::uint64_t memory_bytes = 256ULL * 1024 * 1024;  // the in-process store's bound
  // The semantic index's bound (vectors of the prompts indexed, in every endpoint and tenant).
  std::uint64_t semantic_memory_bytes = 64ULL * 1024 * 1024;
  bool any = false;  // some endpoint or route caches (the cache policy is attached)
};

// A gateway key's own cache settings (`auth.keys[].cache`, the admin API's key field `cache`):
// `off`, or some of these, which replace the endpoint's or route's for that key's requests. mode
// is off or exact (semantic needs an endpoint's embeddings_endpoint, so it is set there; exact on
// a semantic endpoint looks up exactly only). A key may narrow the scope (global > team > key),
// never widen it: a wider one is taken as the endpoint's, so a key cannot read what another
// tenant's key stored.
struct KeyCache {
  std::optional<CacheSpec::Mode> mode;
  std::optional<std::chrono::milliseconds> ttl;
  std::optional<CacheSpec::Scope> scope;
  std::optional<bool> client_controls;

  bool operator==(const KeyCache&) const = default;
};

// `base` with the key's settings applied (above).
CacheSpec with_key_cache(const CacheSpec& base, const KeyCache& key);

// `auth.keys[].cache` from the file: off, or a mapping of mode, ttl_s, scope, client_controls.
KeyCache read_key_cache(const Reader& r, const YAML::Node& node, const std::string& path);

// The top-level `cache:` section.
CacheConfig read_cache_config(const Reader& r, const YAML::Node& node);
// An endpoint's or route's `cache:`: `base` with the fields it names replaced; `off`, `false`
// or `mode: off` turn it off.
std::shared_ptr<const CacheSpec> read_cache_spec(const Reader& r, const YAML::Node& node,
                                                 const std::string& path,
                                                 const std::shared_ptr<const CacheSpec>& base);

std::string_view cache_scope_name(CacheSpec::Scope scope);

}  // namespace sluice::config
