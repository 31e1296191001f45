#include "stores/key_json.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>
#include <iostream>

#include "config/workspace.hpp"

namespace sluice::stores {

namespace json = boost::json;

namespace {

json::array globs_array(const std::vector<std::string>& globs) {
  json::array a;
  for (const auto& g : globs) a.emplace_back(g);
  return a;
}

json::object limit_object(const config::LimitSpec& l) {
  json::object o;
  if (l.requests) o["requests"] = l.requests;
  if (l.tokens) o["tokens"] = l.tokens;
  o["per"] = config::period_name(l.per);
  return o;
}

json::object budget_object(const config::BudgetSpec& b) {
  json::object o;
  if (b.usd) o["usd"] = *b.usd;
  if (b.tokens) o["tokens"] = b.tokens;
  o["per"] = config::period_name(b.per);
  o["alert_at"] = b.alert_at;
  // Written only when not the default, so a key's budget stays readable by a gateway of the
  // version before (one that rejects fields it does not know), during a rolling upgrade.
  if (b.on_exceed != config::OnExceed::kRefuse)
    o["on_exceed"] = config::on_exceed_name(b.on_exceed);
  if (!b.fallback.empty()) o["fallback"] = b.fallback;
  return o;
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

// A client's field name as errors quote it: at most 64 bytes (a 2 MB name is not echoed back).
std::string shown(std::string_view name) {
  if (name.size() <= 64) return std::string(name);
  std::string out(name.substr(0, 64));
  out += "...";
  return out;
}

Error field_error(const std::string& field, const std::string& problem) {
  const std::string name = shown(field);
  return Error::invalid("'" + name + "' " + problem, name);
}

std::optional<Error> read_globs(const json::value& v, const std::string& field,
                                std::vector<std::string>& out) {
  if (!v.is_array()) return field_error(field, "must be a list of names or globs");
  out.clear();
  for (const auto& item : v.get_array()) {
    if (!item.is_string() || item.get_string().empty())
      return field_error(field, "must be a list of non-empty strings");
    out.emplace_back(item.get_string());
  }
  return std::nullopt;
}

std::optional<Error> read_limit(const json::value& v, const std::string& field,
                                config::LimitSpec& out) {
  if (!v.is_object()) return field_error(field, "must be an object {requests, tokens, per}");
  for (const auto& [k, value] : v.get_object()) {
    if (k != "requests" && k != "tokens" && k != "per")
      return field_error(field, "has an unknown field '" + shown(k) + "'");
    if (k == "per") {
      auto p = value.is_string() ? config::period_named(value.get_string()) : std::nullopt;
      if (!p || *p == config::Period::kMonth)
        return field_error(field + ".per", "must be second, minute, hour or day");
      out.per = *p;
      continue;
    }
    const auto n = number_of(value);
    if (!n || *n < 1 || *n > 1e15 || *n != std::floor(*n))
      return field_error(field + "." + std::string(k), "must be a whole number of at least 1");
    (k == "requests" ? out.requests : out.tokens) = static_cast<std::uint64_t>(*n);
  }
  if (!v.get_object().contains("per")) return field_error(field + ".per", "is required");
  if (out.requests == 0 && out.tokens == 0)
    return field_error(field, "needs 'requests', 'tokens' or both");
  return std::nullopt;
}

// Names, teams and the like go into log lines, CSV and database text columns as they are.
bool has_control_characters(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Whether `k` is one of a budget's own fields (usd, tokens, alert_at, per, on_exceed,
// fallback); read_budget_field reads one into `out`.
bool is_budget_field(std::string_view k) {
  return k == "usd" || k == "tokens" || k == "alert_at" || k == "per" || k == "on_exceed" ||
         k == "fallback";
}

std::optional<Error> read_budget_field(std::string_view k, const json::value& value,
                                       const std::string& name, config::BudgetSpec& out) {
  if (k == "usd" || k == "alert_at") {
    const auto n = number_of(value);
    if (!n || *n < 0 || *n > 1e15) return field_error(name, "must be a number of at least 0");
    if (k == "alert_at" && *n > 1) return field_error(name, "is a fraction of usd, from 0 to 1");
    if (k == "usd") {
      out.usd = *n;
    } else {
      out.alert_at = *n;
    }
    return std::nullopt;
  }
  if (k == "tokens") {
    if (value.is_null()) {
      out.tokens = 0;
      return std::nullopt;
    }
    const auto n = number_of(value);
    // In range before the cast (a double past 2^64 does not convert).
    if (!n || *n < 1 || *n > 1e15 || *n != std::floor(*n))
      return field_error(name, "must be a whole number of at least 1");
    out.tokens = static_cast<std::uint64_t>(*n);
    return std::nullopt;
  }
  if (k == "on_exceed") {
    auto o = value.is_string() ? config::on_exceed_named(value.get_string()) : std::nullopt;
    if (!o) return field_error(name, "must be refuse, clamp, fallback or alert");
    out.on_exceed = *o;
    return std::nullopt;
  }
  if (k == "fallback") {
    if (!value.is_string() || has_control_characters(value.get_string()))
      return field_error(name, "must be an endpoint name");
    out.fallback = std::string(value.get_string());
    return std::nullopt;
  }
  auto p = value.is_string() ? config::period_named(value.get_string()) : std::nullopt;
  if (!p || (*p != config::Period::kDay && *p != config::Period::kMonth))
    return field_error(name, "must be day or month");
  out.per = *p;
  return std::nullopt;
}

json::object key_cache_object(const config::KeyCache& c) {
  json::object o;
  if (c.mode) o["mode"] = *c.mode == config::CacheSpec::Mode::kOff ? "off" : "exact";
  if (c.ttl) o["ttl_s"] = std::chrono::duration_cast<std::chrono::seconds>(*c.ttl).count();
  if (c.scope) o["scope"] = config::cache_scope_name(*c.scope);
  if (c.client_controls) o["client_controls"] = *c.client_controls;
  return o;
}

// The JSON twin of config::read_key_cache: "off", or {mode, ttl_s, scope, client_controls}.
// `stored`: read from a store, which another version may have written: unknown fields are
// skipped rather than refused.
std::optional<Error> read_key_cache(const json::value& v, const std::string& field,
                                    config::KeyCache& out, bool stored = false) {
  using Mode = config::CacheSpec::Mode;
  using Scope = config::CacheSpec::Scope;
  if (v.is_string() && v.get_string() == "off") {
    out.mode = Mode::kOff;
    return std::nullopt;
  }
  if (!v.is_object())
    return field_error(field, "must be \"off\" or an object {mode, ttl_s, scope, client_controls}");
  for (const auto& [k, value] : v.get_object()) {
    const std::string name = field + "." + std::string(k);
    if (k == "mode") {
      // (Both sides string_view: with "" alone the ?: makes a temporary json::string.)
      const std::string_view m =
          value.is_string() ? std::string_view(value.get_string()) : std::string_view();
      if (m != "off" && m != "exact")
        return field_error(name, m == "semantic"
                                     ? "may only be off or exact for a key (semantic is set "
                                       "on an endpoint or route)"
                                     : "must be off or exact");
      out.mode = m == "off" ? Mode::kOff : Mode::kExact;
    } else if (k == "ttl_s") {
      const auto n = number_of(value);
      if (!n || *n < 1 || *n > 365.0 * 24 * 3600 || *n != std::floor(*n))
        return field_error(name, "must be a whole number of seconds from 1 to 31536000");
      out.ttl = std::chrono::seconds(static_cast<std::int64_t>(*n));
    } else if (k == "scope") {
      const std::string_view sc =
          value.is_string() ? std::string_view(value.get_string()) : std::string_view();
      if (sc == "key") {
        out.scope = Scope::kKey;
      } else if (sc == "team") {
        out.scope = Scope::kTeam;
      } else if (sc == "global") {
        out.scope = Scope::kGlobal;
      } else {
        return field_error(name, "must be key, team or global");
      }
    } else if (k == "client_controls") {
      if (!value.is_bool()) return field_error(name, "must be true or false");
      out.client_controls = value.get_bool();
    } else if (!stored) {
      return field_error(field, "has an unknown field '" + shown(k) + "'");
    }
  }
  return std::nullopt;
}

// What every budget must be, however it was written: a cap, and a fallback exactly when
// on_exceed says so.
std::optional<Error> check_budget(const config::BudgetSpec& b, const std::string& field) {
  const std::string prefix = field.empty() ? std::string() : field + ".";
  if (!b.usd && b.tokens == 0) return field_error(prefix + "usd", "or 'tokens' is required");
  if (b.on_exceed == config::OnExceed::kFallback && b.fallback.empty())
    return field_error(prefix + "fallback",
                       "is required with on_exceed: fallback (the endpoint to send requests to)");
  if (b.on_exceed != config::OnExceed::kFallback && !b.fallback.empty())
    return field_error(prefix + "fallback", "is only used with on_exceed: fallback");
  // An alert budget says when its dollars are spent; a token cap it could not say anything of.
  if (b.on_exceed == config::OnExceed::kAlert && (b.tokens != 0 || !b.usd))
    return field_error(prefix + "tokens", "cannot be watched by on_exceed: alert (usd only)");
  return std::nullopt;
}

std::optional<Error> read_budget(const json::value& v, const std::string& field,
                                 config::BudgetSpec& out) {
  if (!v.is_object())
    return field_error(field, "must be an object {usd, tokens, per, alert_at, on_exceed}");
  const auto& o = v.get_object();
  for (const auto& [k, value] : o) {
    if (!is_budget_field(k)) return field_error(field, "has an unknown field '" + shown(k) + "'");
    if (auto e = read_budget_field(k, value, field + "." + std::string(k), out)) return e;
  }
  return check_budget(out, field);
}

}  // namespace

std::string globs_to_json(const std::vector<std::string>& globs) {
  return json::serialize(globs_array(globs));
}

std::vector<std::string> globs_from_json(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (!ec) (void)read_globs(v, "globs", out);
  return out;
}

std::string limits_to_json(const std::vector<config::LimitSpec>& limits) {
  json::array a;
  for (const auto& l : limits) a.emplace_back(limit_object(l));
  return json::serialize(a);
}

std::vector<config::LimitSpec> limits_from_json(const std::string& text,
                                                const std::string& key_id) {
  std::vector<config::LimitSpec> out;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.get_array()) {
    config::LimitSpec l;
    if (read_limit(item, "limits", l)) continue;
    l.scope = config::Scope::kKey;
    l.match = key_id;
    out.push_back(l);
  }
  return out;
}

std::string budget_to_json(const config::BudgetSpec& budget) {
  return json::serialize(budget_object(budget));
}

std::optional<config::BudgetSpec> budget_from_json(const std::string& text,
                                                   const std::string& key_id) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  config::BudgetSpec b;
  if (ec || read_budget(v, "budget", b)) return std::nullopt;
  b.scope = config::Scope::kKey;
  b.match = key_id;
  return b;
}

std::string key_cache_to_json(const config::KeyCache& cache) {
  return json::serialize(key_cache_object(cache));
}

config::KeyCache key_cache_from_json(const std::string& text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  config::KeyCache c;
  if (ec || read_key_cache(v, "cache", c, /*stored=*/true)) {
    // Unreadable: the narrowest reading, the cache off for this key (it may have said so).
    std::cerr << "sluice: a key's stored cache settings are unreadable; the cache is off for it"
              << std::endl;
    config::KeyCache off;
    off.mode = config::CacheSpec::Mode::kOff;
    return off;
  }
  return c;
}

json::object key_to_json(const config::KeySpec& key) {
  json::object o;
  o["id"] = key.id;
  o["object"] = "key";
  o["name"] = key.name;
  o["prefix"] = key.prefix;
  o["user"] = key.user;
  o["team"] = key.team;
  o["workspace"] = key.workspace;
  o["role"] = key.admin ? "admin" : "user";
  o["endpoints"] = globs_array(key.endpoints);
  o["models"] = globs_array(key.models);
  o["expires_at"] = key.expires_at ? json::value(*key.expires_at) : json::value(nullptr);
  o["disabled"] = key.disabled;
  boost::system::error_code ec;
  json::value metadata = json::parse(key.metadata, ec);
  o["metadata"] = ec ? json::value(json::object()) : metadata;
  json::array limits;
  for (const auto& l : key.limits) limits.emplace_back(limit_object(l));
  o["limits"] = std::move(limits);
  o["budget"] = key.budget ? json::value(budget_object(*key.budget)) : json::value(nullptr);
  o["cache"] = key.cache ? json::value(key_cache_object(*key.cache)) : json::value(nullptr);
  json::array guardrails;
  for (const auto& g : key.guardrails) guardrails.emplace_back(g);
  o["guardrails"] = std::move(guardrails);
  o["created_at"] = key.created_at;
  o["source"] = key.from_config ? "config" : "store";
  return o;
}

std::optional<Error> apply_key_fields(const json::object& body, config::KeySpec& key) {
  for (const auto& [k, v] : body) {
    const std::string field(k);
    if (field == "name" || field == "user" || field == "team") {
      if (!v.is_string()) return field_error(field, "must be a string");
      const json::string& text = v.get_string();
      if (has_control_characters(text))
        return field_error(field, "must not contain control characters");
      std::string& target = field == "name" ? key.name : field == "user" ? key.user : key.team;
      target = std::string(text);
    } else if (field == "workspace") {
      if (!v.is_string() || (!v.get_string().empty() &&
                             (!config::is_workspace_name(v.get_string()) || v.get_string() == "*")))
        return field_error(field, "must be a workspace name (letters, digits, '_', '-', '.')");
      key.workspace = std::string(v.get_string());
    } else if (field == "role") {
      if (!v.is_string() || (v.get_string() != "admin" && v.get_string() != "user"))
        return field_error(field, "must be user or admin");
      key.admin = v.get_string() == "admin";
    } else if (field == "endpoints" || field == "models") {
      if (auto e = read_globs(v, field, field == "endpoints" ? key.endpoints : key.models))
        return e;
    } else if (field == "expires_at") {
      if (v.is_null()) {
        key.expires_at.reset();
      } else if (v.is_int64() && v.get_int64() > 0) {
        key.expires_at = v.get_int64();
      } else {
        return field_error(field, "must be unix seconds or null");
      }
    } else if (field == "disabled") {
      if (!v.is_bool()) return field_error(field, "must be true or false");
      key.disabled = v.get_bool();
    } else if (field == "metadata") {
      if (!v.is_object()) return field_error(field, "must be an object");
      key.metadata = json::serialize(v);
    } else if (field == "limits") {
      if (!v.is_array()) return field_error(field, "must be a list");
      std::vector<config::LimitSpec> limits;
      for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        config::LimitSpec l;
        if (auto e = read_limit(v.get_array()[i], "limits[" + std::to_string(i) + "]", l)) return e;
        l.scope = config::Scope::kKey;
        l.match = key.id;
        limits.push_back(l);
      }
      key.limits = std::move(limits);
    } else if (field == "budget") {
      if (v.is_null()) {
        key.budget.reset();
        continue;
      }
      config::BudgetSpec b;
      if (auto e = read_budget(v, "budget", b)) return e;
      b.scope = config::Scope::kKey;
      b.match = key.id;
      key.budget = b;
    } else if (field == "cache") {
      if (v.is_null()) {
        key.cache.reset();
        continue;
      }
      config::KeyCache c;
      if (auto e = read_key_cache(v, "cache", c)) return e;
      key.cache = c;
    } else if (field == "guardrails") {
      // Names only here; that each names a guardrail of the config is checked by the admin API.
      if (!v.is_array()) return field_error(field, "must be a list of guardrail names");
      std::vector<std::string> names;
      for (const auto& n : v.get_array()) {
        if (!n.is_string() || n.get_string().empty() || n.get_string().size() > 64 ||
            has_control_characters(n.get_string()))
          return field_error(field, "must be a list of guardrail names");
        if (std::find(names.begin(), names.end(), n.get_string()) == names.end())
          names.emplace_back(n.get_string());
      }
      key.guardrails = std::move(names);
    } else {
      return field_error(
          field,
          "is not a key field (name, user, team, workspace, role, endpoints, models, "
          "expires_at, disabled, metadata, limits, budget, cache, guardrails)");
    }
  }
  if (key.name.empty()) return field_error("name", "is required");
  return std::nullopt;
}

json::object budget_object_with_scope(const config::BudgetSpec& b) {
  json::object o = budget_object(b);
  o["scope"] = config::scope_name(b.scope);
  o["match"] = b.match;
  return o;
}

std::optional<Error> apply_budget_fields(const json::object& body, config::BudgetSpec& budget,
                                         bool creating) {
  for (const auto& [k, v] : body) {
    const std::string field(k);
    if (field == "scope") {
      auto scope = v.is_string() ? config::scope_named(v.get_string()) : std::nullopt;
      if (!scope)
        return field_error(field,
                           "must be key, team, user, endpoint, provider, workspace or global");
      budget.scope = *scope;
    } else if (field == "match") {
      if (!v.is_string()) return field_error(field, "must be a string");
      if (has_control_characters(v.get_string()))
        return field_error(field, "must not contain control characters");
      budget.match = std::string(v.get_string());
    } else if (field == "usd" && v.is_null()) {
      budget.usd.reset();  // PATCH {"usd": null}: a token budget only
    } else if (is_budget_field(field)) {
      if (auto e = read_budget_field(field, v, field, budget)) return e;
    } else {
      return field_error(field,
                         "is not a budget field (scope, match, usd, tokens, per, alert_at, "
                         "on_exceed, fallback)");
    }
  }
  if (creating && !body.contains("scope")) return field_error("scope", "is required");
  // Turning fallback off forgets where it went.
  if (budget.on_exceed != config::OnExceed::kFallback && !body.contains("fallback"))
    budget.fallback.clear();
  if (auto e = check_budget(budget, "")) return e;
  if (budget.scope == config::Scope::kGlobal && !budget.match.empty())
    return field_error("match", "must be empty for a global budget");
  return std::nullopt;
}

}  // namespace sluice::stores
