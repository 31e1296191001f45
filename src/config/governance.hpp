#pragma once
// The governance part of the config: gateway keys, limits, budgets, prices and stores
// (`auth:`, `limits:`, `budgets:`, `pricing:`, `stores:`). Plain values; the runtime that
// enforces them lives in src/governance/.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/cache.hpp"
#include "config/request_log.hpp"
#include "pricing/price_table.hpp"

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

enum class Period { kSecond, kMinute, kHour, kDay, kMonth };
std::optional<Period> period_named(std::string_view name);
std::string_view period_name(Period period);
std::int64_t period_seconds(Period period);  // a month is 30 days for limits

// Who a limit or budget counts: each key, each team, each user, each endpoint, each provider,
// each workspace (the key's; "" the default), or everything together.
enum class Scope { kKey, kTeam, kUser, kEndpoint, kProvider, kGlobal, kWorkspace };
std::optional<Scope> scope_named(std::string_view name);
std::string_view scope_name(Scope scope);

struct LimitSpec {
  Scope scope = Scope::kKey;
  std::string match;  // only this key id/team/user/endpoint/provider; empty: each one apart
  std::uint64_t requests = 0;  // 0: no request limit
  std::uint64_t tokens = 0;    // 0: no token limit
  Period per = Period::kMinute;
};

// What a request that does not fit a budget gets: a 429 (refuse), its output cap lowered to
// what the budget still allows (clamp), or sent to a named cheaper endpoint (fallback); or
// nothing (alert: the budget only watches, and says when it is exceeded — MLflow's ALERT).
enum class OnExceed { kRefuse, kClamp, kFallback, kAlert };
std::optional<OnExceed> on_exceed_named(std::string_view name);
std::string_view on_exceed_name(OnExceed on_exceed);

struct BudgetSpec {
  std::string id;  // budgets made through the admin API; empty for config and key budgets
  Scope scope = Scope::kKey;
  std::string match;  // empty: each one apart
  // The caps: dollars, tokens (prompt + completion, as the provider reports them), or both;
  // at least one is set.
  std::optional<double> usd{};
  std::uint64_t tokens = 0;     // 0: no token cap
  Period per = Period::kMonth;  // kDay or kMonth (calendar, UTC)
  double alert_at = 0.8;        // soft alert at this fraction of usd
  OnExceed on_exceed = OnExceed::kRefuse;
  std::string fallback{};       // the endpoint on_exceed: fallback sends requests to
  std::int64_t created_at = 0;  // unix seconds (store budgets)
};

struct KeySpec {
  std::string id;
  std::string name;
  std::string hash;    // hex HMAC-SHA256(pepper, secret)
  std::string prefix;  // first characters of the secret, to recognise a key in lists
  std::string user;
  std::string team;
  // The workspace the key belongs to ("" the default): it sees and calls only that workspace's
  // endpoints and routes and those shared with every workspace ("*"). config/workspace.hpp.
  std::string workspace;
  // `role: admin`: besides calling, the key manages its workspace through the admin API (its
  // keys, endpoints, routes, secrets, budgets, spend, request log and audit trail;
  // admin/scope.hpp).
  bool admin = false;
  std::vector<std::string> endpoints;      // globs; empty: all
  std::vector<std::string> models;         // globs; empty: all
  std::optional<std::int64_t> expires_at;  // unix seconds
  bool disabled = false;
  std::string metadata = "{}";  // JSON object
  std::vector<LimitSpec> limits;
  std::optional<BudgetSpec> budget;
  std::optional<KeyCache> cache;  // the key's own cache settings (config/cache.hpp)
  // Guardrails this key's requests get besides the endpoint's (names in Snapshot::guardrails;
  // config keys only: checked when the file is loaded).
  std::vector<std::string> guardrails;
  std::int64_t created_at = 0;
  bool from_config = false;  // declared in the config file: read-only through the admin API
};

struct StoreConfig {
  std::string sqlite = "sluice.db";  // keys, budgets and the spend ledger
  std::string redis;                 // redis://host:port shares limit counters
  std::string postgres;              // postgresql://… holds keys and the ledger
  bool redis_fail_open = true;
  // `stores.responses`: /v1/responses answers are kept this long in the store above, for
  // previous_response_id and GET /v1/responses/{id}; 0: not kept (the Responses API is stateless).
  std::int64_t responses_ttl_s = 0;
};

struct Governance {
  bool keys_required = false;                        // auth.mode: keys
  std::string pepper;                                // auth.pepper: mixed into every key hash
  std::vector<std::shared_ptr<const KeySpec>> keys;  // auth.keys: declared in config
  std::vector<LimitSpec> limits;
  std::vector<BudgetSpec> budgets;
  std::shared_ptr<const pricing::PriceTable> prices;
  StoreConfig store;
  bool cost_header = false;    // x-sluice-cost-usd on responses
  bool ledger = false;         // keep the spend ledger (on with keys, budgets or stores.sqlite)
  RequestLogSpec request_log;  // `request_log:` (its store sink turns the store on)
};

// Reads the governance sections of the config root into `out`; errors through `r`.
void read_governance(const Reader& r, const YAML::Node& root, Governance& out);

// Validates and reads one limit / budget from JSON-like YAML (also used by the admin API).
LimitSpec read_limit_spec(const Reader& r, const YAML::Node& node, const std::string& path);
BudgetSpec read_budget_spec(const Reader& r, const YAML::Node& node, const std::string& path);

// Parses a pricing YAML document (data/pricing.yaml's shape) into `table`.
void read_pricing(const Reader& r, const YAML::Node& node, pricing::PriceTable& table);

}  // namespace sluice::config
