#include "cli/governance.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <chrono>
#include <iostream>

#include "admin/admin_api.hpp"
#include "config/loader.hpp"
#include "governance/runtime.hpp"
#include "pipeline/paths.hpp"
#include "util/key_secret.hpp"
#include "util/money.hpp"

namespace sluice::cli {

namespace json = boost::json;

// Runs one admin call against the config's store and prints its answer; the exit code says
// whether it succeeded.
int run_admin(const std::string& config_path, std::string_view method, const std::string& path,
              const std::string& query, const std::string& body,
              void (*print)(const std::string&)) {
  config::StoredConfig placeholders;
  placeholders.governance_only = true;
  auto boot = config::load_file(config_path, config::process_env, pipeline::is_reserved_path,
                                &placeholders);
  if (!boot) {
    std::cerr << "sluice: " << boot.error().message << "\n";
    return 1;
  }
  try {
    governance::Runtime runtime((*boot)->governance);
    // What the gateway would serve: the file with the store's endpoints, routes and secrets.
    auto load = [config_path](const config::StoredConfig& stored) {
      return config::load_file(config_path, config::process_env, pipeline::is_reserved_path,
                               &stored);
    };
    runtime.set_control_hooks({load, {}});
    // As a gateway serves it: a stored object that does not load is left out, so the CLI can
    // still list, fix or delete it.
    config::StoredConfig stored = *runtime.stored_config();
    stored.skip_broken = true;
    auto loaded = load(stored);
    if (!loaded) {
      std::cerr << "sluice: " << loaded.error().message << "\n";
      return 1;
    }
    auto answer = admin::handle_admin({method, path, query, body, "cli"}, runtime, **loaded);
    if (answer.error) {
      std::cerr << "sluice: " << answer.error->message << "\n";
      return 1;
    }
    if (print != nullptr) {
      print(answer.body);
    } else {
      std::cout << answer.body << (answer.body.ends_with('\n') ? "" : "\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return 1;
  }
}

namespace {

void print_key_table(const std::string& body) {
  const json::value v = json::parse(body);
  std::printf("%-22s %-16s %-16s %-12s %-12s %-9s %s\n", "ID", "NAME", "PREFIX", "TEAM", "USER",
              "STATE", "ENDPOINTS");
  for (const auto& item : v.at("data").as_array()) {
    const auto& k = item.as_object();
    std::string endpoints;
    for (const auto& e : k.at("endpoints").as_array()) {
      if (!endpoints.empty()) endpoints += ",";
      endpoints += e.as_string();
    }
    std::string state = k.at("disabled").as_bool() ? "disabled" : "active";
    if (const auto& exp = k.at("expires_at"); exp.is_int64()) {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      if (exp.as_int64() <= now) state = "expired";
    }
    std::printf("%-22s %-16s %-16s %-12s %-12s %-9s %s\n",
                std::string(k.at("id").as_string()).c_str(),
                std::string(k.at("name").as_string()).c_str(),
                std::string(k.at("prefix").as_string()).c_str(),
                std::string(k.at("team").as_string()).c_str(),
                std::string(k.at("user").as_string()).c_str(), state.c_str(),
                endpoints.empty() ? "*" : endpoints.c_str());
  }
}

}  // namespace

int keys_create(const KeysOptions& o) {
  json::object body{{"name", o.name}};
  if (!o.team.empty()) body["team"] = o.team;
  if (!o.workspace.empty()) body["workspace"] = o.workspace;
  if (o.admin) body["role"] = "admin";
  if (!o.user.empty()) body["user"] = o.user;
  if (!o.endpoints.empty()) body["endpoints"] = json::value_from(o.endpoints);
  if (!o.models.empty()) body["models"] = json::value_from(o.models);
  if (o.expires_in_days) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    body["expires_at"] = now + static_cast<std::int64_t>(*o.expires_in_days) * 86400;
  }
  if (o.budget_usd) body["budget"] = json::object{{"usd", *o.budget_usd}, {"per", o.budget_per}};
  json::array limits;
  if (o.requests_per_minute)
    limits.emplace_back(json::object{{"requests", *o.requests_per_minute}, {"per", "minute"}});
  if (o.tokens_per_minute)
    limits.emplace_back(json::object{{"tokens", *o.tokens_per_minute}, {"per", "minute"}});
  if (!limits.empty()) body["limits"] = std::move(limits);
  return run_admin(o.config, "POST", "/admin/keys", "", json::serialize(body));
}

int keys_list(const KeysOptions& o) {
  return run_admin(o.config, "GET", "/admin/keys", "", "", print_key_table);
}

int keys_get(const KeysOptions& o) {
  return run_admin(o.config, "GET", "/admin/keys/" + o.id, "", "");
}

int keys_revoke(const KeysOptions& o) {
  return run_admin(o.config, "DELETE", "/admin/keys/" + o.id, "", "");
}

int keys_rotate(const KeysOptions& o) {
  return run_admin(o.config, "POST", "/admin/keys/" + o.id + "/rotate", "", "");
}

int keys_hash(const KeysOptions& o) {
  auto loaded = config::load_file(o.config);
  if (!loaded) {
    std::cerr << "sluice: " << loaded.error().message << "\n";
    return 1;
  }
  const std::string& pepper = (*loaded)->governance.pepper;
  if (pepper.empty()) {
    std::cerr << "sluice: the config has no auth.pepper to hash with\n";
    return 1;
  }
  std::string secret;
  std::getline(std::cin, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.empty()) {
    std::cerr << "sluice: give the key on standard input\n";
    return 1;
  }
  std::cout << util::hash_secret(pepper, secret) << "\n";
  return 0;
}

namespace {

void print_budget_table(const std::string& body) {
  const json::value v = json::parse(body);
  std::printf("%-8s %-20s %12s %12s %-5s %12s %12s %-6s %s\n", "SCOPE", "MATCH", "USD", "TOKENS",
              "PER", "SPENT", "SPENT_TOKENS", "SOURCE", "ID");
  auto cell = [](const json::object& b, const char* field, bool money) {
    const auto* v = b.if_contains(field);
    if (v == nullptr) return std::string("-");
    if (money) return util::dollars(v->to_number<double>());
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.0f", v->to_number<double>());
    return std::string(buf);
  };
  for (const auto& item : v.at("data").as_array()) {
    const auto& b = item.as_object();
    const std::string match(b.at("match").as_string());
    std::printf("%-8s %-20s %12s %12s %-5s %12s %12s %-6s %s\n",
                std::string(b.at("scope").as_string()).c_str(), match.empty() ? "*" : match.c_str(),
                cell(b, "usd", true).c_str(), cell(b, "tokens", false).c_str(),
                std::string(b.at("per").as_string()).c_str(), cell(b, "spent_usd", true).c_str(),
                cell(b, "spent_tokens", false).c_str(),
                std::string(b.at("source").as_string()).c_str(),
                b.contains("id") ? std::string(b.at("id").as_string()).c_str() : "-");
  }
}

json::object budget_body(const BudgetsOptions& o) {
  json::object body;
  if (!o.scope.empty()) body["scope"] = o.scope;
  if (o.match) body["match"] = *o.match;
  if (o.usd) body["usd"] = *o.usd;
  if (o.tokens) body["tokens"] = *o.tokens;
  if (o.per) body["per"] = *o.per;
  if (o.alert_at) body["alert_at"] = *o.alert_at;
  if (o.on_exceed) body["on_exceed"] = *o.on_exceed;
  if (o.fallback) body["fallback"] = *o.fallback;
  return body;
}

}  // namespace

int budgets_list(const BudgetsOptions& o) {
  return run_admin(o.config, "GET", "/admin/budgets", "", "", print_budget_table);
}

int budgets_create(const BudgetsOptions& o) {
  return run_admin(o.config, "POST", "/admin/budgets", "", json::serialize(budget_body(o)));
}

int budgets_update(const BudgetsOptions& o) {
  return run_admin(o.config, "PATCH", "/admin/budgets/" + o.id, "",
                   json::serialize(budget_body(o)));
}

int budgets_delete(const BudgetsOptions& o) {
  return run_admin(o.config, "DELETE", "/admin/budgets/" + o.id, "", "");
}

int spend(const SpendOptions& o) {
  auto encoded = [](std::string_view v) {
    return boost::urls::encode(v, boost::urls::unreserved_chars);
  };
  std::string query = "by=" + o.by + "&since=" + encoded(o.since) + "&format=" + o.format;
  if (!o.until.empty()) query += "&until=" + encoded(o.until);
  for (const auto& [name, value] : o.where) query += "&" + name + "=" + encoded(value);
  if (o.per_day) query += "&per_day=true";
  return run_admin(o.config, "GET", "/admin/spend", query, "");
}

}  // namespace sluice::cli
