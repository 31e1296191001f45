#pragma once
// One immutable view of the configuration. Loaded once, then shared read-only by every worker
// through std::shared_ptr<const Snapshot>; a reload builds a new snapshot and swaps the pointer,
// and each request keeps the snapshot it started with.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/alerts.hpp"
#include "config/cache.hpp"
#include "config/cors.hpp"
#include "config/governance.hpp"
#include "config/guardrails.hpp"
#include "config/hosts.hpp"
#include "config/otel.hpp"
#include "config/route.hpp"
#include "model/request.hpp"
#include "prompts/template.hpp"
#include "providers/provider.hpp"

namespace sluice::observability {
struct EndpointStats;
}
namespace sluice::routing {
class TargetHealth;
}

namespace sluice::config {

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned workers = 0;  // 0: one per core
  std::uint64_t max_body_bytes = 10 * 1024 * 1024;
  // The request line and header section; also bounds one chunk-size line and the trailers.
  // At most kMaxHeaderBytesLimit: Beast's field store holds a field of at most 65,533 bytes.
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_header_fields = 100;  // more fields in one request → 431
  static constexpr std::uint32_t kMaxHeaderBytesLimit = 60 * 1024;
  // One SSE event (or line) from a provider, and what a stream may send before its first
  // content (warm-up); more ends the stream with an error (or a 502 before the client's head is
  // sent). AWS event-stream frames have their own fixed bound (16 MiB, the format's own).
  std::uint64_t upstream_max_event_bytes = 1024 * 1024;
  // A provider's non-streamed answer; more → 502.
  std::uint64_t upstream_max_body_bytes = 64 * 1024 * 1024;
  // Share the port with other processes (SO_REUSEPORT across processes, for a deliberate
  // hand-over); off: a second sluice on a port already served fails with "address in use".
  bool reuse_port = false;
  Millis idle_timeout{60'000};      // keep-alive connection with no request
  Millis request_timeout{30'000};   // reading one request, head and body
  Millis shutdown_timeout{10'000};  // in-flight requests get this long to finish on SIGTERM
  Millis write_timeout{30'000};     // a response write that makes no progress this long is cut
  std::string access_log = "-";     // "-": stdout, "": off, else a file path (appended)
  bool watch_config = true;         // reload when the config file changes (SIGHUP always does)
  UpstreamTimeouts upstream_timeout;
  CorsSpec cors;  // `cors:`: browser clients from other origins (config/cors.hpp)
  // `hosts: {ml.example.com: ml-team}`: a request whose Host (lowercase, port dropped) is one of
  // these is in that workspace: callers without a key are put there, keys of another workspace
  // are refused (403), and so are other workspaces' admin keys (docs/control-plane.md).
  HostWorkspaces hosts;
  // The workspace server.hosts gives this Host header's value; null when none.
  const std::string* host_workspace(std::string_view host) const;
};

// MLflow's `limit: {renewal_period, calls}`; enforced from the MLflow-compatibility issue on.
struct Limit {
  std::string renewal_period;
  std::uint64_t calls = 0;
  std::string key;
};

struct Endpoint {
  std::string name;
  model::Operation operation = model::Operation::kChat;
  std::string provider;
  std::string model_name;
  std::shared_ptr<const providers::ProviderAdapter> adapter;
  std::optional<Limit> limit;
  UpstreamTimeouts timeout;
  observability::EndpointStats* stats = nullptr;      // process-lifetime, owned by Metrics
  std::shared_ptr<const prompts::PromptSpec> prompt;  // template, parameters, overrides, limits
  routing::TargetHealth* health = nullptr;            // process-lifetime, shared by all routes
  // The endpoint's own `fallbacks:`, `retry:` or `circuit_breaker:`, as a route that starts with
  // this endpoint; null when it has none (one attempt, the common case).
  std::shared_ptr<const Route> routing;
  // The response cache for requests that name this endpoint (never null; mode off: none).
  std::shared_ptr<const CacheSpec> cache = std::make_shared<CacheSpec>();
  // `guardrails: [names]`, defined in Snapshot::guardrails (valid while the snapshot is held).
  std::vector<const GuardrailSpec*> guardrails;
  bool stored = false;    // made through the admin API (else the file's: read-only there)
  std::string workspace;  // "" for the default workspace
  // `raw_proxy: true`: POST /gateway/proxy/{name}/{path} may send a client's body as it is to
  // this endpoint's provider with its credentials (any model, no template or cache). Off unless
  // asked for.
  bool raw_proxy = false;
};

struct Snapshot {
  std::string source;  // file it was loaded from
  // Stored objects left out because they did not load (StoredConfig::skip_broken), one message
  // each, secrets redacted.
  std::vector<std::string> warnings;
  // `workspaces:` — the workspaces the file declares (name, description). When any are, every
  // workspace named anywhere (keys, endpoints, routes, secrets, server.hosts) must be one of
  // them or "*": a typo would otherwise make a workspace of its own.
  std::vector<std::pair<std::string, std::string>> workspaces;
  // Whether `workspace` may be named here: "", "*" and declared ones, or any when none are.
  bool workspace_declared(std::string_view workspace) const {
    if (workspaces.empty() || workspace.empty() || workspace == "*") return true;
    for (const auto& [name, _] : workspaces) {
      if (name == workspace) return true;
    }
    return false;
  }
  ServerConfig server;
  std::string admin_key;  // `auth.admin_key`: bearer for /admin/*; empty turns the admin API off
  // `auth.secrets_key` (or SLUICE_SECRETS_KEY): the 32 bytes that seal provider secrets in the
  // store (util/secret_box.hpp); empty when none is configured.
  std::string secrets_key;
  Governance governance;        // keys, limits, budgets, prices, stores
  CacheConfig cache;            // the response cache's defaults and in-process store size
  GuardrailsConfig guardrails;  // `guardrails:`, by name; endpoints, routes and keys refer to them
  OtelSpec otel;                // `otel:` and the OTEL_* environment: traces
  AlertsSpec alerts;            // `alerts:`: where budget alerts are sent
  std::vector<Endpoint> endpoints;
  std::unordered_map<std::string, std::size_t> index;  // name → position in endpoints
  std::vector<Route> routes;  // `routes:` with destinations (MLflow traffic routes and sluice's)
  std::unordered_map<std::string, std::size_t> route_index;
  std::unordered_map<std::string, std::size_t> path_index;  // named route path → endpoint

  const Endpoint* find(std::string_view name) const {
    auto it = index.find(std::string(name));
    return it == index.end() ? nullptr : &endpoints[it->second];
  }
  const Endpoint* find_path(std::string_view path) const {
    auto it = path_index.find(std::string(path));
    return it == path_index.end() ? nullptr : &endpoints[it->second];
  }
  const Route* find_route(std::string_view name) const {
    auto it = route_index.find(std::string(name));
    return it == route_index.end() ? nullptr : &routes[it->second];
  }
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace sluice::config
