// Flags → command. Everything else lives in cli/, config/ and server/.

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
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

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) return sluice::cli::serve(serve);
  if (*check_cmd) return sluice::cli::check_config(check_path);
  if (*count_cmd) return sluice::cli::tokens_count(tokens);
  if (*encode_cmd) return sluice::cli::tokens_encode(tokens);
  if (*version_cmd) return sluice::cli::version();
  return 1;
}
