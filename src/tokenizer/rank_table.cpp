#include "tokenizer/rank_table.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace sluice::tokenizer {

namespace {

std::uint32_t read_u32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// A fast non-cryptographic hash for short byte strings (most tokens are under 8 bytes).
std::uint64_t hash_bytes(const unsigned char* p, std::size_t n) {
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  h = (h ^ v) * 0x94d049bb133111ebull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

}  // namespace

RankTable::RankTable(std::span<const unsigned char> data) {
  if (data.size() < 8) throw std::runtime_error("tokenizer: rank table is missing");
  const unsigned char* p = data.data();
  const unsigned char* end = p + data.size();
  const std::uint32_t count = read_u32(p);
  p += 4;
  if (static_cast<std::size_t>(end - p) < count) throw std::runtime_error("tokenizer: bad table");
  lengths_.assign(p, p + count);
  p += count;
  tokens_ = p;
  offsets_.resize(count);
  std::uint32_t offset = 0;
  for (std::uint32_t r = 0; r < count; ++r) {
    offsets_[r] = offset;
    offset += lengths_[r];
  }
  p += offset;
  if (p + 4 > end) throw std::runtime_error("tokenizer: bad table");
  const std::uint32_t special_count = read_u32(p);
  p += 4;
  for (std::uint32_t i = 0; i < special_count; ++i) {
    if (p + 5 > end || p + 5 + p[4] > end) throw std::runtime_error("tokenizer: bad table");
    const Rank rank = read_u32(p);
    specials_.push_back({std::string(reinterpret_cast<const char*>(p + 5), p[4]), rank});
    p += 5 + p[4];
  }

  const std::size_t capacity = std::bit_ceil(std::size_t{count} * 2 + 16);
  slots_.resize(capacity);
  mask_ = capacity - 1;
  for (Rank r = 0; r < count; ++r) {
    if (lengths_[r] == 0) continue;
    const std::uint64_t h = hash_bytes(tokens_ + offsets_[r], lengths_[r]);
    std::size_t i = h & mask_;
    while (slots_[i].rank != kNoRank) i = (i + 1) & mask_;
    slots_[i] = {static_cast<std::uint32_t>(h >> 32), r};
  }
}

Rank RankTable::find(const unsigned char* bytes, std::size_t size) const {
  if (size == 0 || size > 255) return kNoRank;
  const std::uint64_t h = hash_bytes(bytes, size);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.rank == kNoRank) return kNoRank;
    if (slot.tag == tag && lengths_[slot.rank] == size &&
        std::memcmp(tokens_ + offsets_[slot.rank], bytes, size) == 0)
      return slot.rank;
  }
}

std::string_view RankTable::bytes(Rank rank) const {
  if (rank >= offsets_.size()) return {};
  return {reinterpret_cast<const char*>(tokens_ + offsets_[rank]), lengths_[rank]};
}

}  // namespace sluice::tokenizer
