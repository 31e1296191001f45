// Tokenizer throughput on one core: encodes every document of a JSONL corpus (one JSON string
// per line) `rounds` times and prints MB/s and tokens. bench/tokenizer/run.sh runs it beside
// js-tiktoken on the same corpus.
//   sluice_tokenizer_bench FILE ENCODING [ROUNDS]

#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tokenizer/encoding.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILE ENCODING [ROUNDS]\n", argv[0]);
    return 2;
  }
  const auto* encoding = sluice::tokenizer::Encoding::named(argv[2]);
  if (encoding == nullptr) {
    std::fprintf(stderr, "unknown encoding %s\n", argv[2]);
    return 2;
  }
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
  std::ifstream in(argv[1]);
  std::vector<std::string> docs;
  std::size_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    docs.emplace_back(boost::json::parse(line).as_string());
    bytes += docs.back().size();
  }
  std::vector<sluice::tokenizer::Rank> ids;
  encoding->encode("warm up the tables", ids);  // builds the hash table outside the timing
  std::size_t tokens = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& d : docs) {
      ids.clear();
      encoding->encode(d, ids);
      tokens += ids.size();
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"mb_per_s\": %.2f, \"tokens\": %zu, \"bytes\": %zu}\n",
              static_cast<double>(bytes) * rounds / seconds / 1e6, tokens / rounds, bytes);
  return 0;
}
