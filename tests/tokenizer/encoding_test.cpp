// Known token ids (from js-tiktoken) and the pre-tokenizer's trickiest splits; the corpus-wide
// equality with js-tiktoken is tests/integration/tokenizer.test.mjs.
#include "tokenizer/encoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/embedded.hpp"

namespace sluice::tokenizer {
namespace {

std::vector<std::string> pieces(Pattern pattern, std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = next_piece(pattern, text, pos);
    out.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

using Pieces = std::vector<std::string>;

TEST(Encoding, KnownIdsForEachEncoding) {
  const std::string text = "Hello world, this is a test!  \n\n  x";
  EXPECT_EQ(Encoding::named("o200k_base")->encode(text),
            (std::vector<Rank>{13225, 2375, 11, 495, 382, 261, 1746, 0, 11691, 220, 1215}));
  EXPECT_EQ(Encoding::named("cl100k_base")->encode(text),
            (std::vector<Rank>{9906, 1917, 11, 420, 374, 264, 1296, 0, 19124, 220, 865}));
  EXPECT_EQ(Encoding::named("r50k_base")->encode(text),
            (std::vector<Rank>{15496, 995, 11, 428, 318, 257, 1332, 0, 220, 220, 628, 220, 2124}));
  EXPECT_EQ(Encoding::named("unknown"), nullptr);
}

TEST(Encoding, SpecialTokensOnlyWhenAllowed) {
  const auto& e = *Encoding::named("cl100k_base");
  EXPECT_EQ(e.encode("a<|endoftext|>b", true), (std::vector<Rank>{64, 100257, 65}));
  const auto ordinary = e.encode("a<|endoftext|>b", false);
  EXPECT_GT(ordinary.size(), 3u);
  EXPECT_EQ(e.decode(ordinary), "a<|endoftext|>b");
  EXPECT_EQ(e.count("a<|endoftext|>b"), ordinary.size());
}

// Long pieces are merged with a heap, short ones with a scan; both must give tiktoken's tokens.
TEST(Encoding, HeapMergeGivesTheSameTokensAsTheScan) {
  std::vector<std::string> texts = {std::string(3000, 'x'), std::string(1001, 'a'),
                                    "Hello world, this is a test!  \n\n  x"};
  std::string mixed;
  for (int i = 0; i < 2000; ++i) mixed += static_cast<char>("ab0 -_xyzQ\xc3\xa9"[(i * 7) % 13]);
  texts.push_back(mixed);
  std::string base64;
  for (int i = 0; i < 4000; ++i) base64 += "AbQz09+/"[(i * i + 3 * i) % 8];
  texts.push_back(base64);
  for (const std::string_view name : Encoding::names()) {
    const Encoding& shared = *Encoding::named(name);
    Encoding heap_only(std::string(name),
                       name == "o200k_base"    ? Pattern::kO200k
                       : name == "cl100k_base" ? Pattern::kCl100k
                                               : Pattern::kR50k,
                       embedded::ranks(name));
    heap_only.set_long_piece_threshold(1);
    Encoding scan_only(std::string(name),
                       name == "o200k_base"    ? Pattern::kO200k
                       : name == "cl100k_base" ? Pattern::kCl100k
                                               : Pattern::kR50k,
                       embedded::ranks(name));
    scan_only.set_long_piece_threshold(SIZE_MAX);
    for (const auto& text : texts) {
      const auto expected = scan_only.encode(text);
      EXPECT_EQ(heap_only.encode(text), expected) << name << " " << text.substr(0, 20);
      EXPECT_EQ(shared.encode(text), expected) << name;
      EXPECT_EQ(shared.decode(expected), text);
    }
  }
}

TEST(Encoding, DecodeRoundTripsBytesIncludingInvalidUtf8) {
  const auto& e = *Encoding::named("o200k_base");
  const std::string text = "caf\xc3\xa9 \xff\xfe \xe2\x82 emoji \xf0\x9f\x98\x80";
  EXPECT_EQ(e.decode(e.encode(text)), text);
}

TEST(Encoding, ModelNamesPickTheirEncoding) {
  EXPECT_EQ(Encoding::for_model("gpt-4o-mini").name(), "o200k_base");
  EXPECT_EQ(Encoding::for_model("openai/o3-mini").name(), "o200k_base");
  EXPECT_EQ(Encoding::for_model("ft:gpt-4.1-nano:org::abc").name(), "o200k_base");
  EXPECT_EQ(Encoding::for_model("gpt-4-turbo").name(), "cl100k_base");
  EXPECT_EQ(Encoding::for_model("gpt-3.5-turbo").name(), "cl100k_base");
  EXPECT_EQ(Encoding::for_model("text-embedding-3-small").name(), "cl100k_base");
  EXPECT_EQ(Encoding::for_model("text-davinci-003").name(), "p50k_base");
  EXPECT_EQ(Encoding::for_model("davinci").name(), "r50k_base");
  EXPECT_EQ(Encoding::for_model("claude-sonnet-4").name(), "o200k_base");
}

TEST(Pretokenize, WhitespaceRunsLeaveTheirLastSpaceToTheNextWord) {
  EXPECT_EQ(pieces(Pattern::kCl100k, "a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(pieces(Pattern::kCl100k, "a   "), (Pieces{"a", "   "}));
  EXPECT_EQ(pieces(Pattern::kCl100k, "a \n\n  b"), (Pieces{"a", " \n\n", " ", " b"}));
  // GPT-2's pattern has no newline-run alternative.
  EXPECT_EQ(pieces(Pattern::kR50k, "a\n\n<b"), (Pieces{"a", "\n", "\n", "<", "b"}));
}

TEST(Pretokenize, O200kSplitsCaseAndKeepsContractions) {
  EXPECT_EQ(pieces(Pattern::kO200k, "camelCaseHTTPServer"),
            (Pieces{"camel", "Case", "HTTPServer"}));
  EXPECT_EQ(pieces(Pattern::kO200k, "we're DON'T"), (Pieces{"we're", " DON'T"}));
  EXPECT_EQ(pieces(Pattern::kO200k, "12345 a/b//\n"), (Pieces{"123", "45", " a", "/b", "//\n"}));
}

TEST(Pretokenize, Cl100kContractionsComeFirst) {
  EXPECT_EQ(pieces(Pattern::kCl100k, "'see it'S"), (Pieces{"'s", "ee", " it", "'S"}));
  // GPT-2 knows lower-case contractions only.
  EXPECT_EQ(pieces(Pattern::kR50k, "it'S it's"), (Pieces{"it", "'", "S", " it", "'s"}));
}

}  // namespace
}  // namespace sluice::tokenizer
