// /admin/cache: what the response cache holds, and dropping entries (all, an endpoint's, a
// tenant's). Blocking (Redis is asked through its thread and waited for).
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include "admin/support.hpp"
#include "cache/cache_key.hpp"
#include "config/workspace.hpp"
#include "observability/metrics.hpp"

namespace sluice::admin {
namespace json = boost::json;

AdminAnswer cache(const AdminRequest& req, cache::ResponseCache* store) {
  if (store == nullptr)
    return fail(Error::make(ErrorCode::kNotFound, "This gateway has no response cache."));
  // (A query that is absent may be a null view, which parse_query cannot take.)
  auto params = boost::urls::parse_query(req.query.empty() ? std::string_view("") : req.query);
  if (!params) return fail(Error::invalid("The query string is not valid URL encoding."));
  std::string endpoint, scope, workspace;
  bool has_workspace = false;
  for (const auto& p : boost::urls::params_view(*params)) {
    if (req.method == "DELETE" && p.key == "endpoint") {
      // Empty or repeated would drop more than asked (a script's empty variable: everything).
      if (p.value.empty() || !endpoint.empty())
        return fail(Error::invalid("'endpoint' must name one endpoint or route, once.", p.key));
      endpoint = p.value;
    } else if (req.method == "DELETE" && (p.key == "key" || p.key == "team")) {
      if (!scope.empty()) return fail(Error::invalid("Give key or team, not both.", p.key));
      if (p.value.empty() || p.value.find(':') != std::string::npos)
        return fail(Error::invalid("'" + p.key + "' must name a key id or team.", p.key));
      scope = cache::scope_id(
          p.key == "key" ? config::CacheSpec::Scope::kKey : config::CacheSpec::Scope::kTeam,
          p.value, p.value);
    } else if (req.method == "DELETE" && p.key == "workspace") {
      // Cached answers of a named workspace are kept under "w:<name>/" (policies/cache).
      if (has_workspace || !config::is_workspace_name(p.value) || p.value == "*")
        return fail(Error::invalid("'workspace' must name one workspace, once.", p.key));
      has_workspace = true;
      workspace = p.value;
    } else if (req.method == "DELETE" && p.key == "global") {
      if (p.value != "true") return fail(Error::invalid("'global' takes only true.", p.key));
      if (!scope.empty()) return fail(Error::invalid("Give one of key, team or global.", p.key));
      scope = cache::scope_id(config::CacheSpec::Scope::kGlobal, {}, {});
    } else {
      return fail(Error::invalid(
          "Unknown query parameter '" + p.key + "': " +
              (req.method == "DELETE"
                   ? "DELETE /admin/cache takes endpoint, workspace, and key, team or "
                     "global=true."
                   : "GET /admin/cache takes no query parameters."),
          p.key));
    }
  }
  if (req.method == "DELETE") {
    // A workspace alone: every scope of it; with key, team or global: that one in it. Without a
    // workspace, key, team and global name the default workspace's entries.
    const bool prefix = has_workspace && scope.empty();
    if (has_workspace) {
      std::string in(1, 'w');  // (built in steps: GCC 12 misreads "w:" + s as -Wrestrict)
      in += ':';
      in += workspace;
      in += '/';
      in += scope;
      scope = std::move(in);
    }
    auto [local, shared] = store->clear(endpoint, scope, prefix);
    json::object out{{"deleted", local}};
    if (store->has_redis()) out["deleted_redis"] = shared ? json::value(*shared) : nullptr;
    if (store->has_redis() && !shared) out["warning"] = "Redis did not answer; its entries remain.";
    return json_answer(200, out);
  }
  const auto& m = observability::Metrics::global();
  const std::uint64_t hits = m.cache_hits.load(), misses = m.cache_misses.load();
  const auto totals = store->totals();
  json::object out{
      {"entries", totals.memory.entries},
      {"bytes", totals.memory.bytes},
      {"evictions", totals.memory.evictions},
      {"hits", hits},
      {"misses", misses},
      {"bypasses", m.cache_bypasses.load()},
      {"refreshes", m.cache_refreshes.load()},
      {"stored", m.cache_stored.load()},
      {"hit_rate",
       hits + misses == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(hits + misses)},
      {"saved_usd", static_cast<double>(m.cache_saved_nano_usd.load()) / 1e9},
      {"semantic_entries", totals.semantic_entries},
      {"semantic_bytes", totals.semantic_bytes},
      {"semantic_hits", m.cache_semantic_hits.load()}};
  if (store->has_redis()) {
    out["redis_entries"] =
        totals.redis_entries ? json::value(*totals.redis_entries) : json::value(nullptr);
    out["redis_unavailable"] = m.cache_unavailable.load();
  }
  return json_answer(200, out);
}

}  // namespace sluice::admin
