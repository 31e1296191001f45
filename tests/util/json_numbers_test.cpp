#include "util/json_numbers.hpp"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "util/json_parse.hpp"
#include "util/json_write.hpp"

namespace sluice::util {
namespace {

// What the gateway forwards: the parsed body serialized again, then the kept numbers restored.
std::string round_trip(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = parse_json_keeping_numbers(text, ec);
  EXPECT_FALSE(ec) << text;
  std::string out = boost::json::serialize(v);
  restore_raw_numbers(out);
  return out;
}

TEST(JsonNumbers, NumbersADoubleCannotCarryReachTheProviderAsWritten) {
  EXPECT_EQ(round_trip(R"({"x":1e400})"), R"({"x":1e400})");
  EXPECT_EQ(round_trip(R"({"x":-1E+400})"), R"({"x":-1E+400})");
  EXPECT_EQ(round_trip(R"({"x":1e-400})"), R"({"x":1e-400})");
  EXPECT_EQ(round_trip(R"({"x":123456789012345678901234567890})"),
            R"({"x":123456789012345678901234567890})");
  EXPECT_EQ(round_trip(R"({"a":[0.1234567890123456789,2]})"), R"({"a":[0.1234567890123456789,2]})");
  EXPECT_TRUE(raw_numbers_kept());
}

TEST(JsonNumbers, OrdinaryNumbersStayNumbers) {
  boost::system::error_code ec;
  boost::json::value v = parse_json_keeping_numbers(
      R"({"t":0.7,"n":-3,"u":18446744073709551615,"z":0.0,"e":1e10,"w":1.000000000000000000000})",
      ec);
  ASSERT_FALSE(ec);
  const auto& o = v.as_object();
  EXPECT_TRUE(o.at("t").is_double());
  EXPECT_TRUE(o.at("n").is_int64());
  EXPECT_TRUE(o.at("u").is_uint64());
  EXPECT_TRUE(o.at("z").is_double());
  EXPECT_TRUE(o.at("e").is_double());
  EXPECT_TRUE(o.at("w").is_double());  // trailing zeros are not significant
}

TEST(JsonNumbers, AClientCannotForgeAMarker) {
  boost::system::error_code ec;
  std::string forged = "{\"content\":\"";
  forged += kRawNumberMarker;
  forged += "1,\\\"model\\\":\\\"other\\\"\"}";
  parse_json_keeping_numbers(forged, ec);
  EXPECT_TRUE(ec);
  // A marker the client wrote with an escape is the same string, and refused the same way.
  parse_json_keeping_numbers("{\"content\":\"\\ue000#number:1\"}", ec);
  EXPECT_TRUE(ec);
  // The marker elsewhere in a string is ordinary text.
  ec = {};
  std::string inside = "{\"content\":\"x";
  inside += kRawNumberMarker;
  inside += "1\"}";
  parse_json_keeping_numbers(inside, ec);
  EXPECT_FALSE(ec);
}

// Found by the inbound_openai fuzzer: a document followed by more bytes is not a document.
// A request's body is parsed into its arena, which is freed with the request. A parse that fails
// half way must not leave values in the thread's parser to be destroyed at the next parse, after
// the arena is gone (found when request bodies moved into the arena; ASan shows it).
TEST(JsonNumbers, AFailedParseLeavesNothingBehindInTheCallersStorage) {
  for (int i = 0; i < 3; ++i) {
    auto arena = std::make_unique<boost::json::monotonic_resource>();
    // Through the base class, as the request arena is handed out: destroying a value then calls
    // the resource.
    boost::json::memory_resource* resource = arena.get();
    boost::system::error_code ec;
    parse_json_keeping_numbers(R"({"a":[1,2,{"b":"a long enough string value"},)", ec,
                               boost::json::storage_ptr(resource));
    EXPECT_TRUE(ec);
    ec = {};
    parse_json(R"({"a":[1,2,{"b":"a long enough string value"},)", ec,
               boost::json::storage_ptr(resource));
    EXPECT_TRUE(ec);
    arena.reset();  // as a request's arena is
  }
  boost::system::error_code ec;
  auto ok = parse_json_keeping_numbers(R"({"ok":[1,2,3]})", ec, {});
  EXPECT_FALSE(ec);
  EXPECT_TRUE(ok.is_object());
  auto plain = parse_json(R"({"ok":[1,2,3]})", ec, {});
  EXPECT_FALSE(ec);
  EXPECT_TRUE(plain.is_object());
}

TEST(JsonNumbers, TrailingBytesAreAnError) {
  boost::system::error_code ec;
  parse_json_keeping_numbers(R"({"model":"chat"}}]x)", ec);
  EXPECT_TRUE(ec);
  ec = {};
  parse_json_keeping_numbers("{\"a\":1} \n", ec);
  EXPECT_FALSE(ec);
}

// From review: a marker after an escaped quote is inside a string, and keys are checked too.
TEST(JsonNumbers, EscapedQuotesAndKeysCannotCarryAMarker) {
  boost::system::error_code ec;
  std::string in_key = "{\"";
  in_key += kRawNumberMarker;
  in_key += "1\":2}";
  parse_json_keeping_numbers(in_key, ec);
  EXPECT_TRUE(ec);
  std::string escaped = "{\"content\":\"x\\\"";
  escaped += kRawNumberMarker;
  escaped += "1\"}";
  EXPECT_FALSE(restore_raw_numbers(escaped)) << escaped;
  std::string even = "{\"a\":\"x\\\\\",\"b\":\"";
  even += kRawNumberMarker;
  even += "1\"}";
  EXPECT_TRUE(restore_raw_numbers(even)) << even;  // "x\\" ends before the marker string
  EXPECT_EQ(even, "{\"a\":\"x\\\\\",\"b\":1}");
}

TEST(JsonNumbers, ManyKeptNumbersRestoreInOnePass) {
  std::string body = "[";
  for (int i = 0; i < 200000; ++i) body += std::string(i ? "," : "") + "1e400";
  body += "]";
  EXPECT_EQ(round_trip(body), body);
}

TEST(JsonNumbers, RestoreOnlyTouchesWholeMarkerStrings) {
  std::string text = std::string("{\"a\":\"x") + std::string(kRawNumberMarker) + "1\"}";
  EXPECT_FALSE(restore_raw_numbers(text));
  std::string bad = std::string("{\"a\":\"") + std::string(kRawNumberMarker) + "1,2\"}";
  EXPECT_FALSE(restore_raw_numbers(bad));
}

TEST(JsonNumbers, SerializeWithKeepsKeptNumbersRestorable) {
  boost::system::error_code ec;
  boost::json::value v = parse_json_keeping_numbers(R"({"model":"a","seed":1e999,"n":1})", ec);
  ASSERT_FALSE(ec);
  const boost::json::value model = "gpt";
  std::string out = serialize_with(v.as_object(), {{"model", &model}});
  restore_raw_numbers(out);
  EXPECT_EQ(out, R"({"model":"gpt","seed":1e999,"n":1})");
}

}  // namespace
}  // namespace sluice::util
