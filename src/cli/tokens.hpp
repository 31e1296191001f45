#pragma once
// `sluice tokens count|encode`: the gateway's tokenizer from the command line.

#include <string>

namespace sluice::cli {

struct TokensOptions {
  std::string file;  // "-": standard input
  std::string encoding = "o200k_base";
  std::string model;   // picks the encoding when given
  bool jsonl = false;  // each input line is one JSON string, counted/encoded on its own
  bool allow_special = false;
};

int tokens_count(const TokensOptions& options);
int tokens_encode(const TokensOptions& options);

}  // namespace sluice::cli
