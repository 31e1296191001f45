#include "providers/common/sse_parser.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::providers::common {
namespace {

std::vector<SseEvent> parse_pieces(const std::vector<std::string>& pieces, SseParser& parser) {
  std::vector<SseEvent> out;
  for (const auto& p : pieces) {
    parser.feed(p, [&](SseEvent& e) {
      out.push_back(e);
      return true;
    });
  }
  return out;
}

std::vector<SseEvent> parse(const std::string& text) {
  SseParser parser;
  return parse_pieces({text}, parser);
}

}  // namespace

TEST(SseParser, DataEventAndDefaults) {
  auto events = parse("data: hello\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "hello");
  EXPECT_EQ(events[0].event, "");
}

TEST(SseParser, MultiLineDataIsJoinedWithNewline) {
  auto events = parse("data: a\ndata: b\ndata:c\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb\nc");
}

TEST(SseParser, EventNamesIdsAndComments) {
  auto events = parse(": ping\n\nevent: message_start\nid: 7\ndata: {}\n\n:comment\ndata: x\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "message_start");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[1].data, "x");
  EXPECT_EQ(events[1].event, "");
}

TEST(SseParser, CrLfAndBareCrLineEnds) {
  auto crlf = parse("data: a\r\n\r\ndata: b\r\n\r\n");
  ASSERT_EQ(crlf.size(), 2u);
  EXPECT_EQ(crlf[1].data, "b");
  auto cr = parse("data: a\r\rdata: b\r\r");
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[0].data, "a");
}

TEST(SseParser, BlankLineWithoutDataDispatchesNothing) {
  EXPECT_TRUE(parse("\n\n\nevent: x\n\n").empty());
}

TEST(SseParser, SplitAtEveryByteGivesTheSameEvents) {
  const std::string text =
      ": hi\r\nevent: e\r\ndata: {\"a\":1}\r\ndata: two\r\n\r\ndata: [DONE]\n\n";
  auto whole = parse(text);
  ASSERT_EQ(whole.size(), 2u);
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    SseParser parser;
    auto split = parse_pieces({text.substr(0, cut), text.substr(cut)}, parser);
    ASSERT_EQ(split.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(split[0].data, whole[0].data) << "cut at " << cut;
    EXPECT_EQ(split[0].event, "e") << "cut at " << cut;
    EXPECT_EQ(split[1].data, "[DONE]") << "cut at " << cut;
  }
  // and one byte at a time
  SseParser parser;
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(parse_pieces(bytes, parser).size(), 2u);
}

TEST(SseParser, PartialEventIsReported) {
  SseParser parser;
  auto events = parse_pieces({"data: unfinished"}, parser);
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(parser.has_partial_event());
  parse_pieces({"\n\n"}, parser);
  EXPECT_FALSE(parser.has_partial_event());
}

TEST(SseParser, StopsWhenTheCallbackSaysSo) {
  SseParser parser;
  int seen = 0;
  bool finished = parser.feed("data: 1\n\ndata: 2\n\n", [&](SseEvent&) {
    ++seen;
    return false;
  });
  EXPECT_FALSE(finished);
  EXPECT_EQ(seen, 1);
}

}  // namespace sluice::providers::common

namespace sluice::providers::common {

TEST(SseParser, ALineWithoutEndStopsAtTheLimitAndHoldsNothing) {
  SseParser parser(1024);
  int events = 0;
  auto count = [&](SseEvent&) {
    ++events;
    return true;
  };
  EXPECT_TRUE(parser.feed("data: ok\n\n", count));
  EXPECT_EQ(events, 1);
  const std::string piece(300, 'x');
  EXPECT_TRUE(parser.feed("data: ", count));
  EXPECT_TRUE(parser.feed(piece, count));
  EXPECT_TRUE(parser.feed(piece, count));
  EXPECT_FALSE(parser.feed(piece + piece, count));
  EXPECT_TRUE(parser.overflowed());
  EXPECT_FALSE(parser.feed("\n\ndata: later\n\n", count));  // stays stopped
  EXPECT_EQ(events, 1);
}

TEST(SseParser, ManyDataLinesCountTowardsOneEvent) {
  SseParser parser(100);
  std::string text;
  for (int i = 0; i < 30; ++i) text += "data: 0123456789\n";
  EXPECT_FALSE(parser.feed(text, [](SseEvent&) { return true; }));
  EXPECT_TRUE(parser.overflowed());
}

}  // namespace sluice::providers::common
