#pragma once
// `sluice keys …`, `sluice budgets …` and `sluice spend`: the admin API's governance calls run
// in-process against the store the config names, so they work with or without a running gateway.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

struct KeysOptions {
  std::string config;
  std::string id;  // get, revoke, rotate
  std::string name;
  std::string team;
  std::string user;
  std::string workspace;
  bool admin = false;  // --role admin
  std::vector<std::string> endpoints;
  std::vector<std::string> models;
  std::optional<unsigned> expires_in_days;
  std::optional<double> budget_usd;
  std::string budget_per = "month";
  std::optional<unsigned> requests_per_minute;
  std::optional<unsigned> tokens_per_minute;
};

struct BudgetsOptions {
  std::string config;
  std::string id;  // update, delete
  std::string scope;
  std::optional<std::string> match;
  std::optional<double> usd;
  std::optional<std::uint64_t> tokens;
  std::optional<std::string> per;
  std::optional<double> alert_at;
  std::optional<std::string> on_exceed;
  std::optional<std::string> fallback;
};

struct SpendOptions {
  std::string config;
  std::string by = "key";
  std::string since = "30d";
  bool per_day = false;
  std::string format = "csv";
  std::string until;
  // Filters: only the ledger rows of this key id, team, user, endpoint, model or provider.
  std::vector<std::pair<std::string, std::string>> where;
};

// One admin call (admin/admin_api.hpp) against the store `config_path` names, as actor "cli";
// prints the answer (through `print` when given) or the error. Returns the exit code.
int run_admin(const std::string& config_path, std::string_view method, const std::string& path,
              const std::string& query, const std::string& body,
              void (*print)(const std::string&) = nullptr);

int keys_create(const KeysOptions& options);
int keys_list(const KeysOptions& options);
int keys_get(const KeysOptions& options);
int keys_revoke(const KeysOptions& options);
int keys_rotate(const KeysOptions& options);
int keys_hash(const KeysOptions& options);  // secret on stdin → key_hash for the config
int budgets_list(const BudgetsOptions& options);
int budgets_create(const BudgetsOptions& options);
int budgets_update(const BudgetsOptions& options);
int budgets_delete(const BudgetsOptions& options);
int spend(const SpendOptions& options);

}  // namespace sluice::cli
