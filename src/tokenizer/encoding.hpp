#pragma once
// A tiktoken-compatible BPE encoding: the same token ids as tiktoken for any text. Built on
// first use from the tables embedded in the binary, then shared read-only by every thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/pretokenize.hpp"
#include "tokenizer/rank_table.hpp"

namespace sluice::tokenizer {

class Encoding {
 public:
  // "o200k_base", "cl100k_base", "p50k_base" or "r50k_base"; null for any other name.
  static const Encoding* named(std::string_view name);
  // The encoding OpenAI's model uses, by model-name prefix; o200k_base for unknown models, as
  // the closest estimate for current ones.
  static const Encoding& for_model(std::string_view model);
  static std::span<const std::string_view> names();

  Encoding(std::string name, Pattern pattern, std::span<const unsigned char> ranks);

  const std::string& name() const { return name_; }
  void set_long_piece_threshold(std::size_t bytes) { long_piece_ = bytes; }

  // Appends the ids of `text`. With `allow_special`, special-token texts (<|endoftext|>, …)
  // become their ids; without, they are ordinary text, as in tiktoken's encode_ordinary.
  void encode(std::string_view text, std::vector<Rank>& out, bool allow_special = false) const;
  std::vector<Rank> encode(std::string_view text, bool allow_special = false) const;
  // The number of tokens encode() would produce, without keeping them.
  std::size_t count(std::string_view text) const;
  // The bytes of the ids (ids no token has are skipped); not necessarily valid UTF-8 when the
  // ids cut a character.
  std::string decode(std::span<const Rank> ids) const;

 private:
  template <typename Emit>
  void encode_ordinary(std::string_view text, Emit&& emit) const;
  template <typename Emit>
  void merge(const unsigned char* piece, std::size_t size, Emit&& emit) const;
  template <typename Emit>
  void merge_long(const unsigned char* piece, std::size_t size, Emit&& emit) const;

  std::string name_;
  Pattern pattern_;
  // Pieces longer than this (bytes) are merged with a heap instead of a scan; the two give the
  // same tokens, which a test checks by moving the threshold.
  std::size_t long_piece_ = 256;
  RankTable ranks_;
};

}  // namespace sluice::tokenizer
