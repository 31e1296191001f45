#pragma once
// The character classes tiktoken's pre-tokenizer patterns ask about, for any code point. The
// table is generated at build time from the same JavaScript regex engine js-tiktoken runs on
// (scripts/tokenizer/build_tables.mjs), so the two agree on every code point by construction.

#include <cstdint>

namespace sluice::tokenizer {

enum CharClass : std::uint8_t {
  kLetter = 1,     // \p{L}
  kNumber = 2,     // \p{N}
  kSpace = 4,      // \s as JavaScript defines it
  kUpperish = 8,   // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]: o200k's leading letters of a word
  kLowerish = 16,  // [\p{Ll}\p{Lm}\p{Lo}\p{M}]: o200k's trailing letters of a word
};

// Bits of CharClass; 0 for everything else (punctuation, symbols, unassigned, invalid).
std::uint8_t char_class(char32_t cp);

}  // namespace sluice::tokenizer
