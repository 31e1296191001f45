#include "config/governance.hpp"

#include <yaml-cpp/yaml.h>

#include <ctime>
#include <set>

#include "config/reader.hpp"
#include "config/workspace.hpp"
#include "util/key_secret.hpp"
#include "util/store_urls.hpp"

namespace sluice::config {

namespace {

std::string lowercase_hex(const Reader& r, const YAML::Node& node, const std::string& path) {
  std::string v = r.string(node, path);
  if (v.size() != 64) r.fail(node, path, "must be 64 hex digits (sluice keys hash prints it)");
  for (char& c : v) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) r.fail(node, path, "must be hex digits");
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return v;
}

std::vector<std::string> string_list(const Reader& r, const YAML::Node& node,
                                     const std::string& path) {
  std::vector<std::string> out;
  if (node.IsScalar()) return {r.string(node, path)};
  if (!node.IsSequence()) r.fail(node, path, "must be a list of names");
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(r.string(node[i], path + "[" + std::to_string(i) + "]"));
  return out;
}

Period read_period(const Reader& r, const YAML::Node& node, const std::string& path) {
  auto p = period_named(r.string(node, path));
  if (!p) r.fail(node, path, "must be one of second, minute, hour, day, month");
  return *p;
}

Scope read_scope(const Reader& r, const YAML::Node& node, const std::string& path) {
  auto s = scope_named(r.string(node, path));
  if (!s)
    r.fail(node, path, "must be one of key, team, user, endpoint, provider, workspace, global");
  return *s;
}

// "2027-01-31", "2027-01-31T12:00:00Z" or unix seconds.
std::int64_t read_time(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string t = r.string(node, path);
  if (!t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit(c); }))
    return r.integer(node, path, 0, 253402300799);
  std::tm tm{};
  const char* end = strptime(t.c_str(), "%Y-%m-%d", &tm);
  if (end != nullptr && *end == 'T') end = strptime(end + 1, "%H:%M:%S", &tm);
  if (end == nullptr || !(*end == 0 || (end[0] == 'Z' && end[1] == 0)))
    r.fail(node, path,
           "must be a date (2027-01-31), a UTC time (2027-01-31T12:00:00Z) or unix seconds");
  return static_cast<std::int64_t>(timegm(&tm));
}

KeySpec read_key(const Reader& r, const YAML::Node& node, const std::string& path,
                 const std::string& pepper) {
  r.expect_map(
      node, path,
      {"id", "name", "key", "key_hash", "user", "team", "workspace", "role", "endpoints", "models",
       "expires", "disabled", "metadata", "limits", "budget", "cache", "guardrails"});
  KeySpec k;
  k.from_config = true;
  if (!node["name"]) r.fail(node, path, "'name' is required");
  k.name = r.string(node["name"], path + ".name");
  k.id = node["id"] ? r.string(node["id"], path + ".id") : "cfg_" + k.name;
  if (node["key"].IsDefined() == node["key_hash"].IsDefined())
    r.fail(node, path, "give exactly one of 'key' (a ${{ secrets.X }} reference) or 'key_hash'");
  if (node["key"]) {
    bool secret = false;
    const std::string key = r.resolved(node["key"], path + ".key", secret);
    if (!secret)
      r.fail(node["key"], path + ".key",
             "must come from ${{ secrets.X }} or $X, not be written in the file");
    if (key.size() < 20) r.fail(node["key"], path + ".key", "must be at least 20 characters");
    k.hash = util::hash_secret(pepper, key);
    k.prefix = util::secret_prefix(key);
  } else {
    k.hash = lowercase_hex(r, node["key_hash"], path + ".key_hash");
  }
  if (node["user"]) k.user = r.string(node["user"], path + ".user");
  if (node["team"]) k.team = r.string(node["team"], path + ".team");
  if (node["workspace"]) {
    k.workspace = r.string(node["workspace"], path + ".workspace");
    if (!is_workspace_name(k.workspace) || k.workspace == "*")
      r.fail(node["workspace"], path + ".workspace",
             "must be a workspace name (letters, digits, '_', '-', '.')");
  }
  if (node["role"]) {
    const std::string role = r.string(node["role"], path + ".role");
    if (role != "admin" && role != "user")
      r.fail(node["role"], path + ".role", "must be user or admin");
    k.admin = role == "admin";
    // The default workspace holds what the operator made without naming one (secrets made with
    // the CLI, say): only the admin key manages it.
    if (k.admin && k.workspace.empty())
      r.fail(node["role"], path + ".role",
             "admin needs a workspace: (the admin key manages the default workspace)");
  }
  if (node["endpoints"]) k.endpoints = string_list(r, node["endpoints"], path + ".endpoints");
  if (node["models"]) k.models = string_list(r, node["models"], path + ".models");
  if (node["expires"]) k.expires_at = read_time(r, node["expires"], path + ".expires");
  if (node["disabled"]) {
    const std::string d = r.string(node["disabled"], path + ".disabled");
    if (d != "true" && d != "false")
      r.fail(node["disabled"], path + ".disabled", "must be true or false");
    k.disabled = d == "true";
  }
  if (node["metadata"]) {
    if (!node["metadata"].IsMap())
      r.fail(node["metadata"], path + ".metadata", "must be a mapping");
    YAML::Emitter e;
    e << YAML::DoubleQuoted << YAML::Flow << YAML::Node(node["metadata"]);
    k.metadata = e.c_str();  // flow YAML with double quotes: the JSON object for plain strings
  }
  if (node["limits"]) {
    const YAML::Node l = node["limits"];
    if (!l.IsSequence()) r.fail(l, path + ".limits", "must be a list");
    for (std::size_t i = 0; i < l.size(); ++i) {
      LimitSpec s = read_limit_spec(r, l[i], path + ".limits[" + std::to_string(i) + "]");
      s.scope = Scope::kKey;
      s.match = k.id;
      k.limits.push_back(s);
    }
  }
  if (node["budget"]) {
    BudgetSpec b = read_budget_spec(r, node["budget"], path + ".budget");
    b.scope = Scope::kKey;
    b.match = k.id;
    k.budget = b;
  }
  if (node["cache"]) k.cache = read_key_cache(r, node["cache"], path + ".cache");
  if (const YAML::Node g = node["guardrails"]) {
    if (!g.IsSequence()) r.fail(g, path + ".guardrails", "must be a list of guardrail names");
    for (std::size_t i = 0; i < g.size(); ++i)
      k.guardrails.push_back(r.string(g[i], path + ".guardrails[" + std::to_string(i) + "]"));
  }
  return k;
}

}  // namespace

std::optional<OnExceed> on_exceed_named(std::string_view name) {
  if (name == "refuse") return OnExceed::kRefuse;
  if (name == "clamp") return OnExceed::kClamp;
  if (name == "fallback") return OnExceed::kFallback;
  if (name == "alert") return OnExceed::kAlert;
  return std::nullopt;
}

std::string_view on_exceed_name(OnExceed on_exceed) {
  switch (on_exceed) {
    case OnExceed::kClamp:
      return "clamp";
    case OnExceed::kFallback:
      return "fallback";
    case OnExceed::kAlert:
      return "alert";
    case OnExceed::kRefuse:
      break;
  }
  return "refuse";
}

std::optional<Period> period_named(std::string_view name) {
  if (name == "second") return Period::kSecond;
  if (name == "minute") return Period::kMinute;
  if (name == "hour") return Period::kHour;
  if (name == "day") return Period::kDay;
  if (name == "month") return Period::kMonth;
  return std::nullopt;
}

std::string_view period_name(Period p) {
  switch (p) {
    case Period::kSecond:
      return "second";
    case Period::kMinute:
      return "minute";
    case Period::kHour:
      return "hour";
    case Period::kDay:
      return "day";
    case Period::kMonth:
      return "month";
  }
  return "minute";
}

std::int64_t period_seconds(Period p) {
  switch (p) {
    case Period::kSecond:
      return 1;
    case Period::kMinute:
      return 60;
    case Period::kHour:
      return 3600;
    case Period::kDay:
      return 86400;
    case Period::kMonth:
      return 30 * 86400;
  }
  return 60;
}

std::optional<Scope> scope_named(std::string_view name) {
  if (name == "key") return Scope::kKey;
  if (name == "team") return Scope::kTeam;
  if (name == "user") return Scope::kUser;
  if (name == "endpoint") return Scope::kEndpoint;
  if (name == "provider") return Scope::kProvider;
  if (name == "global") return Scope::kGlobal;
  if (name == "workspace") return Scope::kWorkspace;
  return std::nullopt;
}

std::string_view scope_name(Scope s) {
  switch (s) {
    case Scope::kKey:
      return "key";
    case Scope::kTeam:
      return "team";
    case Scope::kUser:
      return "user";
    case Scope::kEndpoint:
      return "endpoint";
    case Scope::kProvider:
      return "provider";
    case Scope::kGlobal:
      return "global";
    case Scope::kWorkspace:
      return "workspace";
  }
  return "key";
}

LimitSpec read_limit_spec(const Reader& r, const YAML::Node& node, const std::string& path) {
  r.expect_map(node, path, {"scope", "match", "requests", "tokens", "per"});
  LimitSpec s;
  if (node["scope"]) s.scope = read_scope(r, node["scope"], path + ".scope");
  if (node["match"]) s.match = r.string(node["match"], path + ".match");
  if (node["requests"]) s.requests = r.integer(node["requests"], path + ".requests", 1, 1LL << 40);
  if (node["tokens"]) s.tokens = r.integer(node["tokens"], path + ".tokens", 1, 1LL << 50);
  if (s.requests == 0 && s.tokens == 0) r.fail(node, path, "give 'requests', 'tokens' or both");
  if (!node["per"]) r.fail(node, path, "'per' is required (second, minute, hour, day)");
  s.per = read_period(r, node["per"], path + ".per");
  if (s.per == Period::kMonth)
    r.fail(node["per"], path + ".per", "limits go up to a day; use a budget for a month");
  return s;
}

BudgetSpec read_budget_spec(const Reader& r, const YAML::Node& node, const std::string& path) {
  r.expect_map(node, path,
               {"scope", "match", "usd", "tokens", "per", "alert_at", "on_exceed", "fallback"});
  BudgetSpec b;
  if (node["scope"]) b.scope = read_scope(r, node["scope"], path + ".scope");
  if (node["match"]) b.match = r.string(node["match"], path + ".match");
  if (!node["usd"] && !node["tokens"]) r.fail(node, path, "'usd', 'tokens' or both are required");
  if (node["usd"]) b.usd = r.number(node["usd"], path + ".usd");
  if (node["tokens"]) {
    b.tokens = static_cast<std::uint64_t>(
        r.integer(node["tokens"], path + ".tokens", 1, 1'000'000'000'000'000LL));
  }
  if (node["per"]) {
    b.per = read_period(r, node["per"], path + ".per");
    if (b.per != Period::kDay && b.per != Period::kMonth)
      r.fail(node["per"], path + ".per", "budgets are per day or month");
  }
  if (node["alert_at"]) {
    b.alert_at = r.number(node["alert_at"], path + ".alert_at");
    if (b.alert_at > 1)
      r.fail(node["alert_at"], path + ".alert_at", "is a fraction of usd: 0 to 1");
  }
  if (node["on_exceed"]) {
    auto o = on_exceed_named(r.string(node["on_exceed"], path + ".on_exceed"));
    if (!o)
      r.fail(node["on_exceed"], path + ".on_exceed", "must be refuse, clamp, fallback or alert");
    b.on_exceed = *o;
  }
  if (node["fallback"]) b.fallback = r.string(node["fallback"], path + ".fallback");
  if (b.on_exceed == OnExceed::kFallback && b.fallback.empty())
    r.fail(node, path, "on_exceed: fallback needs 'fallback': the endpoint to send requests to");
  if (b.on_exceed != OnExceed::kFallback && !b.fallback.empty())
    r.fail(node["fallback"], path + ".fallback", "is only used with on_exceed: fallback");
  if (b.on_exceed == OnExceed::kAlert && (b.tokens != 0 || !b.usd))
    r.fail(node["on_exceed"], path + ".on_exceed", "alert watches usd only (not tokens)");
  return b;
}

namespace {

// One model's rates (USD per 1M tokens): input and output required, the rest optional.
pricing::ModelPrice read_rates(const Reader& r, const YAML::Node& v, const std::string& path) {
  if (!v["input"] || !v["output"]) r.fail(v, path, "'input' and 'output' are required");
  pricing::ModelPrice price;
  price.input = r.number(v["input"], path + ".input");
  price.output = r.number(v["output"], path + ".output");
  if (v["cached_input"]) price.cached_input = r.number(v["cached_input"], path + ".cached_input");
  if (v["cache_write"]) price.cache_write = r.number(v["cache_write"], path + ".cache_write");
  if (v["reasoning"]) price.reasoning = r.number(v["reasoning"], path + ".reasoning");
  return price;
}

}  // namespace

void read_pricing(const Reader& r, const YAML::Node& node, pricing::PriceTable& table) {
  if (!node || node.IsNull()) return;
  if (!node.IsMap()) r.fail(node, "pricing", "must map providers to models");
  for (auto p = node.begin(); p != node.end(); ++p) {
    const std::string provider = p->first.as<std::string>();
    const std::string ppath = "pricing." + provider;
    if (!p->second.IsMap()) r.fail(p->second, ppath, "must map model names to prices");
    for (auto m = p->second.begin(); m != p->second.end(); ++m) {
      const std::string model = m->first.as<std::string>();
      const std::string path = ppath + "." + model;
      const YAML::Node v = m->second;
      r.expect_map(v, path,
                   {"input", "output", "cached_input", "cache_write", "reasoning", "long_context",
                    "service_tiers"});
      pricing::ModelPrice price = read_rates(r, v, path);
      if (const YAML::Node tiers = v["service_tiers"]) {
        const std::string tpath = path + ".service_tiers";
        if (!tiers.IsMap()) r.fail(tiers, tpath, "must map tier names (flex, priority) to rates");
        for (auto t = tiers.begin(); t != tiers.end(); ++t) {
          const std::string tier = t->first.as<std::string>();
          const std::string one = tpath + "." + tier;
          r.expect_map(t->second, one,
                       {"input", "output", "cached_input", "cache_write", "reasoning"});
          price.service_tiers.emplace(
              tier, std::make_shared<const pricing::ModelPrice>(read_rates(r, t->second, one)));
        }
      }
      if (const YAML::Node lc = v["long_context"]) {
        const std::string lpath = path + ".long_context";
        r.expect_map(
            lc, lpath,
            {"above_tokens", "input", "output", "cached_input", "cache_write", "reasoning"});
        if (!lc["above_tokens"]) r.fail(lc, lpath, "'above_tokens' is required");
        price.long_context_above = static_cast<std::uint64_t>(
            r.integer(lc["above_tokens"], lpath + ".above_tokens", 1, 100'000'000));
        price.long_context = std::make_shared<const pricing::ModelPrice>(read_rates(r, lc, lpath));
      }
      table.set(provider, model, price);
    }
  }
}

void read_governance(const Reader& r, const YAML::Node& root, Governance& out) {
  // Prices: the built-in table, then the config's entries over it.
  auto prices = std::make_shared<pricing::PriceTable>();
  {
    static const EnvLookup kNoEnv = [](const std::string&) { return std::optional<std::string>(); };
    const Reader builtin("data/pricing.yaml (built in)", kNoEnv);
    YAML::Node table = YAML::Load(std::string(pricing::builtin_pricing_yaml()));
    if (const YAML::Node updated = table["updated"]) {
      prices->set_updated(updated.as<std::string>());
      table.remove("updated");
    }
    read_pricing(builtin, table, *prices);
  }
  read_pricing(r, root["pricing"], *prices);
  out.prices = std::move(prices);

  if (const YAML::Node auth = root["auth"]) {
    if (auth["mode"]) {
      const std::string mode = r.string(auth["mode"], "auth.mode");
      if (mode != "none" && mode != "keys")
        r.fail(auth["mode"], "auth.mode", "must be none or keys");
      out.keys_required = mode == "keys";
    }
    if (auth["pepper"]) {
      bool secret = false;
      out.pepper = r.resolved(auth["pepper"], "auth.pepper", secret);
      if (out.pepper.size() < 16)
        r.fail(auth["pepper"], "auth.pepper", "must be at least 16 characters");
    }
    if ((out.keys_required || auth["keys"]) && out.pepper.empty())
      r.fail(auth, "auth",
             "gateway keys need 'pepper' (a secret of 16+ characters, e.g. ${{ "
             "secrets.SLUICE_PEPPER }})");
    if (const YAML::Node keys = auth["keys"]) {
      if (!keys.IsSequence()) r.fail(keys, "auth.keys", "must be a list");
      std::set<std::string> ids;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string path = "auth.keys[" + std::to_string(i) + "]";
        KeySpec k = read_key(r, keys[i], path, out.pepper);
        if (!ids.insert(k.id).second) r.fail(keys[i], path, "key id '" + k.id + "' is given twice");
        out.keys.push_back(std::make_shared<const KeySpec>(std::move(k)));
      }
    }
  }
  if (const YAML::Node limits = root["limits"]) {
    if (!limits.IsSequence()) r.fail(limits, "limits", "must be a list");
    for (std::size_t i = 0; i < limits.size(); ++i)
      out.limits.push_back(read_limit_spec(r, limits[i], "limits[" + std::to_string(i) + "]"));
  }
  if (const YAML::Node budgets = root["budgets"]) {
    if (!budgets.IsSequence()) r.fail(budgets, "budgets", "must be a list");
    for (std::size_t i = 0; i < budgets.size(); ++i)
      out.budgets.push_back(read_budget_spec(r, budgets[i], "budgets[" + std::to_string(i) + "]"));
  }
  if (const YAML::Node stores = root["stores"]) {
    r.expect_map(stores, "stores", {"sqlite", "redis", "postgres", "redis_failure", "responses"});
    if (stores["sqlite"]) out.store.sqlite = r.string(stores["sqlite"], "stores.sqlite");
    if (stores["redis"]) {
      bool secret = false;
      out.store.redis = r.resolved(stores["redis"], "stores.redis", secret);
      if (auto parsed = util::parse_redis_url(out.store.redis); !parsed)
        r.fail(stores["redis"], "stores.redis", parsed.error().message);
    }
    if (stores["postgres"]) {
      if (stores["sqlite"])
        r.fail(stores["postgres"], "stores.postgres",
               "and stores.sqlite both name where keys and the ledger live; keep one");
      bool secret = false;
      out.store.postgres = r.resolved(stores["postgres"], "stores.postgres", secret);
      if (auto problem = util::postgres_url_problem(out.store.postgres))
        r.fail(stores["postgres"], "stores.postgres", *problem);
    }
    if (stores["redis_failure"]) {
      const std::string f = r.string(stores["redis_failure"], "stores.redis_failure");
      if (f != "open" && f != "closed")
        r.fail(stores["redis_failure"], "stores.redis_failure", "must be open or closed");
      out.store.redis_fail_open = f == "open";
    }
    if (const YAML::Node responses = stores["responses"]) {
      // true (kept 30 days, as OpenAI keeps them), false, or {ttl_s: N}.
      constexpr long long kThirtyDays = 30LL * 24 * 3600;
      if (responses.IsMap()) {
        r.expect_map(responses, "stores.responses", {"ttl_s"});
        out.store.responses_ttl_s =
            responses["ttl_s"]
                ? r.integer(responses["ttl_s"], "stores.responses.ttl_s", 1, 10 * 365 * 86400LL)
                : kThirtyDays;
      } else {
        const std::string v = r.string(responses, "stores.responses");
        if (v != "true" && v != "false")
          r.fail(responses, "stores.responses", "must be true, false or {ttl_s: seconds}");
        out.store.responses_ttl_s = v == "true" ? kThirtyDays : 0;
      }
    }
  }
  if (const YAML::Node accounting = root["accounting"]) {
    r.expect_map(accounting, "accounting", {"cost_header"});
    if (accounting["cost_header"]) {
      const std::string v = r.string(accounting["cost_header"], "accounting.cost_header");
      if (v != "true" && v != "false")
        r.fail(accounting["cost_header"], "accounting.cost_header", "must be true or false");
      out.cost_header = v == "true";
    }
  }
  // The store (and the ledger in it) exists when something needs keeping: keys, budgets, or a
  // file named outright. Redis alone shares limit counters and needs none.
  const YAML::Node stores = root["stores"];
  out.request_log = read_request_log(r, root["request_log"]);
  out.ledger = out.keys_required || !out.keys.empty() || !out.budgets.empty() ||
               out.store.responses_ttl_s > 0 ||
               (stores && (stores["sqlite"] || stores["postgres"])) ||
               (out.request_log.enabled && !out.request_log.to_file);
}

}  // namespace sluice::config
