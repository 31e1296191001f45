#include "tokenizer/encoding.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include "tokenizer/embedded.hpp"

namespace sluice::tokenizer {

namespace {

constexpr std::array<std::string_view, 4> kNames = {"o200k_base", "cl100k_base", "p50k_base",
                                                    "r50k_base"};

Pattern pattern_of(std::string_view name) {
  if (name == "o200k_base") return Pattern::kO200k;
  if (name == "cl100k_base") return Pattern::kCl100k;
  return Pattern::kR50k;
}

// One BPE part: where it starts in the piece, and the rank of it merged with the next part.
struct Part {
  std::uint32_t start;
  Rank pair_rank;
};

}  // namespace

std::span<const std::string_view> Encoding::names() { return kNames; }

const Encoding* Encoding::named(std::string_view name) {
  // Each table is indexed once, on first use, by whichever thread asks first.
  static const auto make = [](std::string_view n) {
    return std::make_unique<const Encoding>(std::string(n), pattern_of(n), embedded::ranks(n));
  };
  if (name == kNames[0]) {
    static const auto e = make(kNames[0]);
    return e.get();
  }
  if (name == kNames[1]) {
    static const auto e = make(kNames[1]);
    return e.get();
  }
  if (name == kNames[2]) {
    static const auto e = make(kNames[2]);
    return e.get();
  }
  if (name == kNames[3]) {
    static const auto e = make(kNames[3]);
    return e.get();
  }
  return nullptr;
}

const Encoding& Encoding::for_model(std::string_view model) {
  // A provider prefix ("openai/gpt-4o") or a fine-tune name ("ft:gpt-4o-mini:org::id") still
  // names the base model.
  if (auto slash = model.rfind('/'); slash != std::string_view::npos)
    model.remove_prefix(slash + 1);
  if (model.starts_with("ft:")) model.remove_prefix(3);
  auto starts = [&](std::string_view p) { return model.starts_with(p); };
  if (starts("gpt-4o") || starts("gpt-4.1") || starts("gpt-4.5") || starts("gpt-5") ||
      starts("o1") || starts("o3") || starts("o4") || starts("chatgpt-4o") || starts("gpt-oss") ||
      starts("codex"))
    return *named("o200k_base");
  if (starts("gpt-4") || starts("gpt-3.5") || starts("gpt-35") || starts("text-embedding-"))
    return *named("cl100k_base");
  if (starts("text-davinci-002") || starts("text-davinci-003") || starts("code-"))
    return *named("p50k_base");
  if (starts("davinci") || starts("curie") || starts("babbage") || starts("ada") || starts("text-"))
    return *named("r50k_base");
  return *named("o200k_base");
}

Encoding::Encoding(std::string name, Pattern pattern, std::span<const unsigned char> ranks)
    : name_(std::move(name)), pattern_(pattern), ranks_(ranks) {}

// tiktoken's byte-pair merge: repeatedly join the adjacent pair with the lowest rank (the
// leftmost on a tie) until no adjacent pair is a token, keeping each part's pair rank current.
// The scan below is quadratic in the piece's length, which is fastest for the short pieces of
// ordinary text; a long piece (a run of one character, a base64 blob) goes to merge_long().
template <typename Emit>
void Encoding::merge(const unsigned char* piece, std::size_t size, Emit&& emit) const {
  if (size > long_piece_) return merge_long(piece, size, emit);
  thread_local std::vector<Part> parts;
  parts.clear();
  for (std::size_t i = 0; i + 1 < size; ++i)
    parts.push_back({static_cast<std::uint32_t>(i), ranks_.find(piece + i, 2)});
  parts.push_back({static_cast<std::uint32_t>(size - 1), kNoRank});
  parts.push_back({static_cast<std::uint32_t>(size), kNoRank});

  auto rank_after_merge = [&](std::size_t i) {
    if (i + 3 >= parts.size()) return kNoRank;
    return ranks_.find(piece + parts[i].start, parts[i + 3].start - parts[i].start);
  };
  for (;;) {
    Rank best = kNoRank;
    std::size_t at = 0;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i].pair_rank < best) {
        best = parts[i].pair_rank;
        at = i;
      }
    }
    if (best == kNoRank) break;
    if (at > 0) parts[at - 1].pair_rank = rank_after_merge(at - 1);
    parts[at].pair_rank = rank_after_merge(at);
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const Rank r = ranks_.find(piece + parts[i].start, parts[i + 1].start - parts[i].start);
    if (r != kNoRank) emit(r);  // every single byte is a token, so this always holds
  }
}

// The same merges in O(n log n): parts form a linked list, and candidate pairs wait in a
// min-heap keyed by (rank, start), so the lowest rank and then the leftmost pair comes out
// first, as in the scan. A heap entry whose part is gone or whose pair rank has changed since
// it was pushed is stale and skipped.
template <typename Emit>
void Encoding::merge_long(const unsigned char* piece, std::size_t size, Emit&& emit) const {
  struct Node {
    std::uint32_t next;  // index of the next part's first byte; `size` past the last
    std::uint32_t prev;  // index of the previous part's first byte; UINT32_MAX for the first
    Rank pair_rank;      // rank of this part joined with the next one
    bool alive;
  };
  using Candidate = std::pair<Rank, std::uint32_t>;  // (rank, start): compared in that order
  thread_local std::vector<Node> nodes;
  thread_local std::vector<Candidate> heap;
  const auto n = static_cast<std::uint32_t>(size);
  nodes.assign(size, Node{0, 0, kNoRank, true});
  heap.clear();
  auto rank_of_pair = [&](std::uint32_t at) {
    const std::uint32_t next = nodes[at].next;
    if (next >= n) return kNoRank;
    const std::uint32_t end = nodes[next].next;
    return ranks_.find(piece + at, end - at);
  };
  const auto later = std::greater<Candidate>();
  for (std::uint32_t i = 0; i < n; ++i) {
    nodes[i].next = i + 1;
    nodes[i].prev = i == 0 ? UINT32_MAX : i - 1;
  }
  for (std::uint32_t i = 0; i + 1 < n; ++i) {
    nodes[i].pair_rank = rank_of_pair(i);
    if (nodes[i].pair_rank != kNoRank) heap.emplace_back(nodes[i].pair_rank, i);
  }
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const auto [rank, at] = heap.back();
    heap.pop_back();
    if (!nodes[at].alive || nodes[at].pair_rank != rank) continue;  // stale
    const std::uint32_t gone = nodes[at].next;
    nodes[gone].alive = false;
    nodes[at].next = nodes[gone].next;
    if (nodes[at].next < n) nodes[nodes[at].next].prev = at;
    for (const std::uint32_t changed : {at, nodes[at].prev}) {
      if (changed == UINT32_MAX) continue;
      nodes[changed].pair_rank = rank_of_pair(changed);
      if (nodes[changed].pair_rank != kNoRank) {
        heap.emplace_back(nodes[changed].pair_rank, changed);
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
  }
  for (std::uint32_t at = 0; at < n; at = nodes[at].next) {
    const Rank r = ranks_.find(piece + at, nodes[at].next - at);
    if (r != kNoRank) emit(r);  // every single byte is a token, so this always holds
  }
}

template <typename Emit>
void Encoding::encode_ordinary(std::string_view text, Emit&& emit) const {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = next_piece(pattern_, text, pos);
    const std::size_t size = end - pos;
    if (const Rank whole = ranks_.find(bytes + pos, size); whole != kNoRank) {
      emit(whole);
    } else {
      merge(bytes + pos, size, emit);
    }
    pos = end;
  }
}

void Encoding::encode(std::string_view text, std::vector<Rank>& out, bool allow_special) const {
  auto push = [&out](Rank r) { out.push_back(r); };
  if (!allow_special) return encode_ordinary(text, push);
  // Special tokens split the text; the earliest occurrence wins, the longest on a tie.
  while (!text.empty()) {
    std::size_t first = std::string_view::npos;
    const RankTable::Special* which = nullptr;
    for (const auto& special : ranks_.specials()) {
      const std::size_t at = text.find(special.text);
      if (at < first || (at == first && at != std::string_view::npos &&
                         special.text.size() > which->text.size())) {
        first = at;
        which = &special;
      }
    }
    if (which == nullptr) return encode_ordinary(text, push);
    encode_ordinary(text.substr(0, first), push);
    out.push_back(which->rank);
    text.remove_prefix(first + which->text.size());
  }
}

std::vector<Rank> Encoding::encode(std::string_view text, bool allow_special) const {
  std::vector<Rank> out;
  encode(text, out, allow_special);
  return out;
}

std::size_t Encoding::count(std::string_view text) const {
  std::size_t n = 0;
  encode_ordinary(text, [&n](Rank) { ++n; });
  return n;
}

std::string Encoding::decode(std::span<const Rank> ids) const {
  std::string out;
  for (Rank id : ids) {
    if (std::string_view b = ranks_.bytes(id); !b.empty()) {
      out += b;
      continue;
    }
    for (const auto& special : ranks_.specials()) {
      if (special.rank == id) out += special.text;
    }
  }
  return out;
}

}  // namespace sluice::tokenizer
