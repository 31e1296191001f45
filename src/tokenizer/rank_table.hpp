#pragma once
// Byte sequence ↔ rank for one BPE vocabulary, read from the embedded table. Lookups are the
// tokenizer's inner loop, so this is an open-addressing hash table over the table's own bytes
// (no per-token allocation), sized to stay under half full.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::tokenizer {

using Rank = std::uint32_t;
inline constexpr Rank kNoRank = UINT32_MAX;

class RankTable {
 public:
  // `data`: an <encoding>.ranks blob (format in scripts/tokenizer/build_tables.mjs).
  explicit RankTable(std::span<const unsigned char> data);

  Rank find(const unsigned char* bytes, std::size_t size) const;
  // The bytes of a rank, or empty when no token has it.
  std::string_view bytes(Rank rank) const;
  std::size_t size() const { return offsets_.size(); }

  struct Special {
    std::string text;
    Rank rank;
  };
  const std::vector<Special>& specials() const { return specials_; }

 private:
  struct Slot {
    std::uint32_t tag = 0;  // high bits of the hash, to skip most mismatches without memcmp
    Rank rank = kNoRank;
  };
  const unsigned char* tokens_ = nullptr;  // every token's bytes, in rank order
  std::vector<std::uint32_t> offsets_;     // rank → start in tokens_
  std::vector<std::uint8_t> lengths_;      // rank → length (0: unused rank)
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<Special> specials_;
};

}  // namespace sluice::tokenizer
