#include "policies/guardrails/stream_scan.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::policies {
namespace {

// Finds "SECRET" followed by digits (a value whose end is known only when a non-digit follows).
void find_secret(std::string_view text, std::vector<Hit>& out) {
  std::size_t at = 0;
  while ((at = text.find("SECRET", at)) != std::string_view::npos) {
    std::size_t end = at + 6;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end > at + 6) out.push_back({at, end, "secret"});
    at = end;
  }
}

struct Scanned {
  std::string out;
  std::vector<Hit> found;
};

Scanned feed_in_pieces(std::string_view text, const std::vector<std::size_t>& cuts, bool hold,
                       std::size_t window) {
  StreamScan scan(window, hold);
  Scanned r;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    r.out += scan.feed(text.substr(at, cut - at), find_secret, r.found);
    at = cut;
  }
  r.out += scan.feed(text.substr(at), find_secret, r.found);
  r.out += scan.finish(find_secret, r.found);
  return r;
}

TEST(StreamScan, EveryTwoPieceCutFindsTheValueOnceAndPassesTheTextWhole) {
  const std::string text = "before SECRET12345 between SECRET9 after";
  for (bool hold : {true, false}) {
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
      const Scanned r = feed_in_pieces(text, {cut}, hold, 12);
      EXPECT_EQ(r.out, text) << "cut " << cut;
      ASSERT_EQ(r.found.size(), 2U) << "cut " << cut << " hold " << hold;
      EXPECT_EQ(r.found[0].label, "secret");
    }
  }
}

TEST(StreamScan, OneByteAtATime) {
  const std::string text = "xx SECRET77 yy SECRET1";
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < text.size(); ++i) cuts.push_back(i);
  const Scanned r = feed_in_pieces(text, cuts, true, 10);
  EXPECT_EQ(r.out, text);
  EXPECT_EQ(r.found.size(), 2U);
}

TEST(StreamScan, HoldingKeepsTheValueBackUntilItIsFound) {
  // Block mode: when the value is found, none of it has gone out.
  const std::string text = "aaaa SECRET123456 bbbb";
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    StreamScan scan(16, true);
    std::vector<Hit> found;
    // What a call gives is sent only when it found nothing (a blocking guardrail stops there).
    std::string out;
    const auto send = [&](std::string piece) {
      if (found.empty()) out += piece;
    };
    send(scan.feed(text.substr(0, cut), find_secret, found));
    if (found.empty()) send(scan.feed(text.substr(cut), find_secret, found));
    if (found.empty()) send(scan.finish(find_secret, found));
    ASSERT_EQ(found.size(), 1U) << cut;
    EXPECT_EQ(out.find("SECRET"), std::string::npos) << "cut " << cut << ": " << out;
  }
}

TEST(StreamScan, WithoutHoldingTextGoesOnAtOnce) {
  StreamScan scan(64, false);
  std::vector<Hit> found;
  EXPECT_EQ(scan.feed("abc", find_secret, found), "abc");
  EXPECT_EQ(scan.finish(find_secret, found), "");
}

TEST(StreamScan, HoldsAtMostTheWindow) {
  StreamScan scan(8, true);
  std::vector<Hit> found;
  const std::string out = scan.feed(std::string(100, 'a'), find_secret, found);
  EXPECT_EQ(out.size(), 92U);
}

}  // namespace
}  // namespace sluice::policies
