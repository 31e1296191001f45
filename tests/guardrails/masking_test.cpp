// Masking and restoring, whole and as streams cut at every byte (the labelled set's texts with
// entities), and the stream masker's hold-back bound.
#include "guardrails/masking.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

namespace sluice::guardrails {
namespace {

const Detector& detector() {
  static const Detector d;
  return d;
}

TEST(Masking, TheSameValueGetsTheSamePlaceholder) {
  MaskTable table;
  const std::string masked =
      mask(detector(), "Mail ann@example.com, bob@example.org, then ann@example.com again.", table);
  EXPECT_EQ(masked, "Mail <EMAIL_ADDRESS_1>, <EMAIL_ADDRESS_2>, then <EMAIL_ADDRESS_1> again.");
  EXPECT_EQ(table.size(), 2U);
  // Later text of the same request keeps the numbering.
  EXPECT_EQ(mask(detector(), "cc bob@example.org, card 4111 1111 1111 1111", table),
            "cc <EMAIL_ADDRESS_2>, card <CREDIT_CARD_1>");
  EXPECT_EQ(
      restore("Dear <EMAIL_ADDRESS_1>, your card <CREDIT_CARD_1> and <EMAIL_ADDRESS_9> <x>", table),
      "Dear ann@example.com, your card 4111 1111 1111 1111 and <EMAIL_ADDRESS_9> <x>");
}

// The texts of the labelled set that hold something to mask.
std::vector<std::string> texts_with_entities() {
  std::ifstream in(std::string(SLUICE_FIXTURES_DIR) + "/guardrails/pii.jsonl");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto sample = boost::json::parse(line).as_object();
    if (!sample.at("entities").as_array().empty()) out.emplace_back(sample.at("text").as_string());
  }
  return out;
}

TEST(Masking, WholeTextsRoundTrip) {
  const auto texts = texts_with_entities();
  ASSERT_GT(texts.size(), 300U);
  for (const auto& text : texts) {
    MaskTable table;
    const std::string masked = mask(detector(), text, table);
    EXPECT_NE(masked, text);
    EXPECT_EQ(restore(masked, table), text);
  }
}

// A stream cut in two at every byte masks as the whole text does, and restores back.
TEST(Masking, StreamsCutAtEveryByte) {
  std::size_t checked = 0;
  for (const auto& text : texts_with_entities()) {
    if (text.size() > 4000) continue;
    // A value longer than the window may be missed when cut: a PEM block needs a wider one.
    const std::size_t window = text.find("PRIVATE KEY") != std::string::npos ? 4096 : 256;
    MaskTable whole_table;
    std::vector<Finding> found;
    const std::string expected = mask(detector(), text, whole_table, &found);
    // What is held: the window, and a value reaching into it.
    std::size_t longest = 0;
    for (const auto& f : found) longest = std::max(longest, f.end - f.begin);
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
      MaskTable table;
      StreamMasker masker(detector(), table, window);
      std::string out = masker.feed(std::string_view(text).substr(0, cut));
      ASSERT_LE(masker.held(), window + longest) << text;
      out += masker.feed(std::string_view(text).substr(cut));
      out += masker.finish();
      ASSERT_EQ(out, expected) << "cut at " << cut << " of: " << text;
      // And the masked stream restored, cut at the same place.
      StreamRestorer restorer(table);
      const std::size_t c = std::min(cut, out.size());
      std::string back = restorer.feed(std::string_view(out).substr(0, c));
      back += restorer.feed(std::string_view(out).substr(c));
      back += restorer.finish();
      ASSERT_EQ(back, text) << "restored, cut at " << c;
    }
    ++checked;
  }
  EXPECT_GT(checked, 250U);
}

TEST(Masking, AStreamMaskerHoldsBackOnlyItsWindow) {
  MaskTable table;
  StreamMasker masker(detector(), table, 64);
  std::string out;
  std::string fed;
  for (int i = 0; i < 200; ++i) {
    std::string piece = std::to_string(i);
    piece.insert(0, "word ");  // (not "word " + …: GCC 12 warns falsely, -Wrestrict)
    piece += " and ann@example.com then ";
    fed += piece;
    out += masker.feed(piece);
    EXPECT_LE(masker.held(), 64U + 32U);
  }
  out += masker.finish();
  EXPECT_EQ(out, mask(detector(), fed, table));
  EXPECT_EQ(masker.found().size(), 200U);
  EXPECT_EQ(table.size(), 1U);
}

}  // namespace
}  // namespace sluice::guardrails
