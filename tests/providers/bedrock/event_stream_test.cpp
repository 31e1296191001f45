// AWS event-stream framing: CRC-32 against its standard check value, messages decoded whole and
// split at every byte, and damaged frames refused.

#include "providers/bedrock/event_stream.hpp"

#include <gtest/gtest.h>

namespace sluice::providers::bedrock {
namespace {

TEST(EventStream, Crc32CheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("6789", crc32("12345")), 0xCBF43926u);  // continues across pieces
}

TEST(EventStream, DecodesMessagesSplitAnywhere) {
  const std::string wire =
      encode_event({{":event-type", "messageStart"}, {":message-type", "event"}},
                   R"({"role":"assistant"})") +
      encode_event({{":event-type", "contentBlockDelta"}, {":message-type", "event"}},
                   R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    EventStreamDecoder decoder;
    std::vector<EventMessage> out;
    ASSERT_TRUE(decoder.feed(std::string_view(wire).substr(0, cut), out)) << cut;
    ASSERT_TRUE(decoder.feed(std::string_view(wire).substr(cut), out)) << cut;
    ASSERT_EQ(out.size(), 2u) << cut;
    EXPECT_TRUE(decoder.idle());
    EXPECT_EQ(out[0].headers.at(":event-type"), "messageStart");
    EXPECT_EQ(out[1].payload, R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
  }
}

TEST(EventStream, DamagedFramesAreRefused) {
  std::string wire = encode_event({{":event-type", "messageStop"}}, R"({"stopReason":"end_turn"})");
  {
    std::string bad = wire;
    bad[bad.size() - 10] ^= 0x01;  // payload bit flip: message CRC fails
    EventStreamDecoder d;
    std::vector<EventMessage> out;
    EXPECT_FALSE(d.feed(bad, out));
    EXPECT_EQ(d.error(), "event stream message checksum mismatch");
  }
  {
    std::string bad = wire;
    bad[3] ^= 0x01;  // total length bit flip: prelude CRC fails
    EventStreamDecoder d;
    std::vector<EventMessage> out;
    EXPECT_FALSE(d.feed(bad, out));
    EXPECT_EQ(d.error(), "event stream prelude checksum mismatch");
  }
  EventStreamDecoder partial;
  std::vector<EventMessage> out;
  ASSERT_TRUE(partial.feed(std::string_view(wire).substr(0, 20), out));
  EXPECT_FALSE(partial.idle());  // a cut stream is noticed at the end
}

}  // namespace
}  // namespace sluice::providers::bedrock
