// Flags → command. Everything else lives in cli/, config/ and server/.

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/control_plane.hpp"
#include "cli/governance.hpp"
#include "cli/prices.hpp"
#include "cli/tokens.hpp"

int main(int argc, char** argv) {
  CLI::App app{"sluice: a fast AI gateway (OpenAI- and MLflow-compatible)"};
  app.require_subcommand(1);

  sluice::cli::ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the endpoints of a config file");
  serve_cmd->add_option("-c,--config", serve.config, "Config file (MLflow AI Gateway YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--host", serve.host, "Address to listen on (overrides server.host)");
  serve_cmd->add_option("--port", serve.port,
                        "Port to listen on; 0 picks a free one (overrides server.port)");
  serve_cmd->add_option("--workers", serve.workers, "Event-loop threads (overrides server.workers)")
      ->check(CLI::Range(1u, 1024u));

  std::string check_path;
  auto* check_cmd =
      app.add_subcommand("check-config", "Validate a config file and list its endpoints");
  check_cmd->add_option("file", check_path, "Config file")->required();

  sluice::cli::TokensOptions tokens;
  auto* tokens_cmd = app.add_subcommand("tokens", "Count or encode tokens as tiktoken does");
  tokens_cmd->require_subcommand(1);
  auto* count_cmd = tokens_cmd->add_subcommand("count", "Print the number of tokens of FILE");
  auto* encode_cmd = tokens_cmd->add_subcommand("encode", "Print the token ids of FILE as JSON");
  for (auto* cmd : {count_cmd, encode_cmd}) {
    cmd->add_option("file", tokens.file, "Text file; - reads standard input")->required();
    cmd->add_option("-e,--encoding", tokens.encoding,
                    "o200k_base (default), cl100k_base, p50k_base or r50k_base");
    cmd->add_option("-m,--model", tokens.model, "Use the encoding of this OpenAI model");
    cmd->add_flag("--jsonl", tokens.jsonl, "Each line is a JSON string, handled on its own");
    cmd->add_flag("--allow-special", tokens.allow_special,
                  "Encode <|endoftext|> and the like as special tokens");
  }

  sluice::cli::KeysOptions keys;
  auto* keys_cmd = app.add_subcommand("keys", "Manage gateway keys in the configured store");
  keys_cmd->require_subcommand(1);
  auto* keys_create = keys_cmd->add_subcommand("create", "Create a key; prints its secret once");
  keys_create->add_option("--name", keys.name, "Name of the key")->required();
  keys_create->add_option("--team", keys.team, "Team the key belongs to");
  keys_create->add_option("--user", keys.user, "User or owner of the key");
  keys_create->add_option("--workspace", keys.workspace, "Workspace the key belongs to");
  keys_create->add_flag("--admin", keys.admin,
                        "role: admin: the key manages its workspace through the admin API");
  keys_create->add_option("--endpoints", keys.endpoints, "Allowed endpoints/routes (globs)");
  keys_create->add_option("--models", keys.models, "Allowed provider models (globs)");
  keys_create->add_option("--expires-in-days", keys.expires_in_days, "Expire after N days");
  keys_create->add_option("--budget-usd", keys.budget_usd, "Budget in USD")
      ->check(CLI::NonNegativeNumber);
  keys_create->add_option("--budget-per", keys.budget_per, "day or month (default)")
      ->check(CLI::IsMember({"day", "month"}));
  keys_create->add_option("--requests-per-minute", keys.requests_per_minute, "Request limit")
      ->check(CLI::PositiveNumber);
  keys_create->add_option("--tokens-per-minute", keys.tokens_per_minute, "Token limit")
      ->check(CLI::PositiveNumber);
  auto* keys_list = keys_cmd->add_subcommand("list", "List keys (never their secrets)");
  auto* keys_get = keys_cmd->add_subcommand("get", "Show one key as JSON");
  auto* keys_revoke = keys_cmd->add_subcommand("revoke", "Revoke (delete) a key");
  auto* keys_rotate = keys_cmd->add_subcommand("rotate", "Give a key a new secret");
  for (auto* cmd : {keys_get, keys_revoke, keys_rotate})
    cmd->add_option("id", keys.id, "Key id (key_…)")->required();
  auto* keys_hash =
      keys_cmd->add_subcommand("hash", "Print the key_hash of a secret read from stdin");
  for (auto* cmd : {keys_create, keys_list, keys_get, keys_revoke, keys_rotate, keys_hash}) {
    cmd->add_option("-c,--config", keys.config, "Config file (names the store)")
        ->required()
        ->check(CLI::ExistingFile);
  }

  sluice::cli::BudgetsOptions budgets;
  auto* budgets_cmd = app.add_subcommand("budgets", "Manage budgets kept in the configured store");
  budgets_cmd->require_subcommand(1);
  auto* budgets_list = budgets_cmd->add_subcommand("list", "List every budget with its spend");
  auto* budgets_create = budgets_cmd->add_subcommand("create", "Create a budget");
  budgets_create
      ->add_option("--scope", budgets.scope,
                   "key, team, user, endpoint, provider, workspace or global")
      ->required()
      ->check(
          CLI::IsMember({"key", "team", "user", "endpoint", "provider", "workspace", "global"}));
  auto* budgets_update = budgets_cmd->add_subcommand("update", "Change a budget");
  auto* budgets_delete = budgets_cmd->add_subcommand("delete", "Delete a budget");
  for (auto* cmd : {budgets_update, budgets_delete})
    cmd->add_option("id", budgets.id, "Budget id (bud_…)")->required();
  for (auto* cmd : {budgets_create, budgets_update}) {
    cmd->add_option("--match", budgets.match, "The key id, team, … it limits (none: each apart)");
    cmd->add_option("--usd", budgets.usd, "Amount in USD")->check(CLI::NonNegativeNumber);
    cmd->add_option("--tokens", budgets.tokens, "Amount in tokens (prompt + completion)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--per", budgets.per, "day or month (default)")
        ->check(CLI::IsMember({"day", "month"}));
    cmd->add_option("--alert-at", budgets.alert_at, "Alert at this fraction of usd (0.8)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--on-exceed", budgets.on_exceed,
                    "refuse (default), clamp, fallback or alert (only watch)")
        ->check(CLI::IsMember({"refuse", "clamp", "fallback"}));
    cmd->add_option("--fallback", budgets.fallback, "With --on-exceed fallback: the endpoint");
  }
  for (auto* cmd : {budgets_list, budgets_create, budgets_update, budgets_delete}) {
    cmd->add_option("-c,--config", budgets.config, "Config file (names the store)")
        ->required()
        ->check(CLI::ExistingFile);
  }

  sluice::cli::SpendOptions spend;
  auto* spend_cmd = app.add_subcommand("spend", "Spend from the ledger, grouped");
  spend_cmd->add_option("-c,--config", spend.config, "Config file (names the store)")
      ->required()
      ->check(CLI::ExistingFile);
  spend_cmd
      ->add_option("--by", spend.by, "key, team, user, endpoint, model, provider, workspace or day")
      ->check(CLI::IsMember(
          {"key", "team", "user", "endpoint", "model", "provider", "workspace", "day"}));
  spend_cmd->add_option("--since", spend.since, "7d, 24h, 30m or 2026-11-01 (default 30d)");
  spend_cmd->add_option("--until", spend.until, "The end (exclusive), as --since");
  // One filter per ledger column; each given adds a condition.
  std::string spend_filters[7];
  static constexpr const char* kSpendFilters[] = {"key",   "team",     "user",     "endpoint",
                                                  "model", "provider", "workspace"};
  for (int i = 0; i < 7; ++i) {
    spend_cmd->add_option(std::string("--") + kSpendFilters[i], spend_filters[i],
                          std::string("Only this ") + kSpendFilters[i] + (i == 0 ? " id" : ""));
  }
  spend_cmd->add_flag("--per-day", spend.per_day, "One row per group and day");
  spend_cmd->add_option("--format", spend.format, "csv (default) or json")
      ->check(CLI::IsMember({"csv", "json"}));

  std::string prices_config;
  auto* prices_cmd = app.add_subcommand("prices", "Prices of the config's models");
  auto* prices_check_cmd = prices_cmd->add_subcommand(
      "check", "List each endpoint's price; exit 1 when some endpoint has none");
  prices_check_cmd->add_option("-c,--config", prices_config, "Config file")
      ->required()
      ->check(CLI::ExistingFile);
  prices_cmd->require_subcommand(1);

  // The control plane: endpoints, routes and secrets kept in the store (docs/control-plane.md).
  sluice::cli::ControlOptions control;
  std::vector<CLI::App*> control_cmds;
  struct ObjectCommands {
    CLI::App *list, *get, *create, *update, *remove;
  };
  auto object_commands = [&](const char* group, const char* what) {
    auto* cmd = app.add_subcommand(group, std::string("Manage ") + what + " kept in the store");
    cmd->require_subcommand(1);
    ObjectCommands c{cmd->add_subcommand("list", std::string("List ") + what),
                     cmd->add_subcommand("get", "Show one as JSON"),
                     cmd->add_subcommand("create", "Create one from a JSON definition"),
                     cmd->add_subcommand("update", "Change one with a JSON merge patch"),
                     cmd->add_subcommand("delete", "Delete one")};
    for (auto* sub : {c.get, c.update, c.remove})
      sub->add_option("name", control.name, "Its name")->required();
    for (auto* sub : {c.create, c.update})
      sub->add_option("-f,--file", control.file, "The JSON (\"-\": standard input)")->required();
    for (auto* sub : {c.list, c.get, c.create, c.update, c.remove}) control_cmds.push_back(sub);
    return c;
  };
  const ObjectCommands endpoints_cmd = object_commands("endpoints", "endpoints");
  const ObjectCommands routes_cmd = object_commands("routes", "routes");
  auto* secrets_cmd =
      app.add_subcommand("secrets", "Manage provider secrets sealed in the store (values: stdin)");
  secrets_cmd->require_subcommand(1);
  auto* secrets_list = secrets_cmd->add_subcommand("list", "List secrets (never their values)");
  auto* secrets_create = secrets_cmd->add_subcommand("create", "Create one; value from stdin");
  auto* secrets_update = secrets_cmd->add_subcommand("update", "New value from stdin");
  auto* secrets_delete = secrets_cmd->add_subcommand("delete", "Delete one not in use");
  auto* secrets_rotate = secrets_cmd->add_subcommand(
      "rotate-key", "Re-seal every secret with a new key read from stdin");
  for (auto* sub : {secrets_create, secrets_update, secrets_delete})
    sub->add_option("name", control.name, "The secret's name")->required();
  secrets_create->add_option("--workspace", control.workspace,
                             "The workspace whose stored endpoints may use it (\"*\": shared "
                             "endpoints'; none: the default workspace)");
  auto* audit_cmd = app.add_subcommand("audit", "Changes made through the admin API and CLI");
  audit_cmd->add_option("--since", control.since, "7d, 24h, 30m or 2026-11-01 (default 30d)");
  for (auto* sub :
       {secrets_list, secrets_create, secrets_update, secrets_delete, secrets_rotate, audit_cmd})
    control_cmds.push_back(sub);
  for (auto* cmd : control_cmds) {
    cmd->add_option("-c,--config", control.config, "Config file (names the store)")
        ->required()
        ->check(CLI::ExistingFile);
  }

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) return sluice::cli::serve(serve);
  if (*check_cmd) return sluice::cli::check_config(check_path);
  for (int i = 0; i < 7; ++i) {
    if (!spend_filters[i].empty()) spend.where.emplace_back(kSpendFilters[i], spend_filters[i]);
  }
  if (*count_cmd) return sluice::cli::tokens_count(tokens);
  if (*encode_cmd) return sluice::cli::tokens_encode(tokens);
  for (const auto& [c, kind] : {std::pair{&endpoints_cmd, "endpoint"}, {&routes_cmd, "route"}}) {
    control.kind = kind;
    if (*c->list) return sluice::cli::objects_list(control);
    if (*c->get) return sluice::cli::objects_get(control);
    if (*c->create) return sluice::cli::objects_create(control);
    if (*c->update) return sluice::cli::objects_update(control);
    if (*c->remove) return sluice::cli::objects_delete(control);
  }
  if (*secrets_list) return sluice::cli::secrets_list(control);
  if (*secrets_create) return sluice::cli::secrets_create(control);
  if (*secrets_update) return sluice::cli::secrets_update(control);
  if (*secrets_delete) return sluice::cli::secrets_delete(control);
  if (*secrets_rotate) return sluice::cli::secrets_rotate_key(control);
  if (*audit_cmd) return sluice::cli::audit_list(control);
  if (*keys_create) return sluice::cli::keys_create(keys);
  if (*keys_list) return sluice::cli::keys_list(keys);
  if (*keys_get) return sluice::cli::keys_get(keys);
  if (*keys_revoke) return sluice::cli::keys_revoke(keys);
  if (*keys_rotate) return sluice::cli::keys_rotate(keys);
  if (*keys_hash) return sluice::cli::keys_hash(keys);
  if (*budgets_list) return sluice::cli::budgets_list(budgets);
  if (*budgets_create) return sluice::cli::budgets_create(budgets);
  if (*budgets_update) return sluice::cli::budgets_update(budgets);
  if (*budgets_delete) return sluice::cli::budgets_delete(budgets);
  if (*spend_cmd) return sluice::cli::spend(spend);
  if (*prices_check_cmd) return sluice::cli::prices_check(prices_config);
  if (*version_cmd) return sluice::cli::version();
  return 1;
}
