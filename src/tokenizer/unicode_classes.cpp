#include "tokenizer/unicode_classes.hpp"

#include <array>

#include "tokenizer/embedded.hpp"

namespace sluice::tokenizer {

namespace {

constexpr std::uint32_t kBlockBits = 8;
constexpr std::uint32_t kBlockCount = 0x110000 >> kBlockBits;

}  // namespace

std::uint8_t char_class(char32_t cp) {
  if (cp >= 0x110000) return 0;
  const unsigned char* table = embedded::unicode_classes().data();
  const std::uint32_t slot = (cp >> kBlockBits) * 2;
  const std::uint32_t block = table[slot] | (static_cast<std::uint32_t>(table[slot + 1]) << 8);
  return table[kBlockCount * 2 + (block << kBlockBits) + (cp & 0xff)];
}

}  // namespace sluice::tokenizer
