#pragma once
// tiktoken's pre-tokenizers: the regexes that cut text into the pieces BPE then encodes,
// written out by hand as scanners because RE2 has no lookahead (`\s+(?!\S)`). Each function
// returns where the piece starting at `pos` ends, reproducing the backtracking regex's first
// match (leftmost alternative, greedy quantifiers) exactly; the reasoning for each alternative
// is next to its code, and tests/tokenizer compares the result with js-tiktoken's on a large
// mixed corpus.

#include <cstddef>
#include <string_view>

namespace sluice::tokenizer {

enum class Pattern {
  kO200k,   // o200k_base: case-aware words, contractions attached, digits in threes
  kCl100k,  // cl100k_base
  kR50k,    // r50k_base and p50k_base (GPT-2's pattern)
};

// End of the piece that starts at `pos` (< text.size()); always > pos.
std::size_t next_piece(Pattern pattern, std::string_view text, std::size_t pos);

}  // namespace sluice::tokenizer
