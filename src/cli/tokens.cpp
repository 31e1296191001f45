#include "cli/tokens.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "tokenizer/encoding.hpp"

namespace sluice::cli {

namespace {

const tokenizer::Encoding* pick(const TokensOptions& options) {
  if (!options.model.empty()) return &tokenizer::Encoding::for_model(options.model);
  const auto* encoding = tokenizer::Encoding::named(options.encoding);
  if (encoding == nullptr) {
    std::cerr << "sluice: unknown encoding '" << options.encoding
              << "' (o200k_base, cl100k_base, p50k_base or r50k_base)\n";
  }
  return encoding;
}

bool read_all(const std::string& file, std::string& out) {
  if (file == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), {});
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "sluice: cannot read " << file << "\n";
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

// Calls `each` with every text of the input: the whole file, or each JSON-string line.
template <typename Each>
int for_each_text(const TokensOptions& options, Each&& each) {
  std::string input;
  if (!read_all(options.file, input)) return 1;
  if (!options.jsonl) {
    each(std::string_view(input));
    return 0;
  }
  std::istringstream lines(input);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_string()) {
      std::cerr << "sluice: line " << number << " is not a JSON string\n";
      return 1;
    }
    each(std::string_view(v.get_string()));
  }
  return 0;
}

}  // namespace

int tokens_count(const TokensOptions& options) {
  const auto* encoding = pick(options);
  if (encoding == nullptr) return 2;
  return for_each_text(options, [&](std::string_view text) {
    const std::size_t n =
        options.allow_special ? encoding->encode(text, true).size() : encoding->count(text);
    std::cout << n << "\n";
  });
}

int tokens_encode(const TokensOptions& options) {
  const auto* encoding = pick(options);
  if (encoding == nullptr) return 2;
  std::vector<tokenizer::Rank> ids;
  std::string out;
  return for_each_text(options, [&](std::string_view text) {
    ids.clear();
    encoding->encode(text, ids, options.allow_special);
    out.clear();
    out += '[';
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(ids[i]);
    }
    out += "]\n";
    std::cout << out;
  });
}

}  // namespace sluice::cli
