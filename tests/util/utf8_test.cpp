#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include "util/json_write.hpp"

namespace sluice::util {
namespace {

TEST(Utf8, KeepsValidTextAndReplacesWhatIsNot) {
  EXPECT_EQ(valid_utf8("plain ü € 𝄞"), "plain ü € 𝄞");
  EXPECT_EQ(valid_utf8("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(valid_utf8("a\xC0\xAF"), "a\xEF\xBF\xBD\xEF\xBF\xBD");                // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80").size(), 12u);                          // above U+10FFFF
  EXPECT_EQ(valid_utf8("cut \xE2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(valid_utf8(std::string_view("a\0b", 3)), std::string_view("a\0b", 3));
}

// Found by a hostile probe: a request path of raw bytes made the access-log line invalid JSON.
TEST(Utf8, APrefixNeverEndsInsideACharacter) {
  const std::string text = std::string(63, 'a') + "\xc3\xa9" + "\xe2\x82\xac";  // a… é €
  EXPECT_EQ(utf8_prefix(text, 64), std::string(63, 'a'));  // (é would be cut: left out)
  EXPECT_EQ(utf8_prefix(text, 65), std::string(63, 'a') + "\xc3\xa9");
  EXPECT_EQ(utf8_prefix(text, 67), std::string(63, 'a') + "\xc3\xa9");
  EXPECT_EQ(utf8_prefix(text, 68), text);
  EXPECT_EQ(utf8_prefix("\xe2\x82\xac", 2), "");
  EXPECT_EQ(utf8_prefix("short", 64), "short");
  for (std::size_t n = 0; n <= text.size(); ++n)
    EXPECT_EQ(valid_utf8(utf8_prefix(text, n)), utf8_prefix(text, n)) << n;
}

TEST(Utf8, JsonStringsAreAlwaysValidUtf8) {
  std::string out;
  append_json_string(out, "/v1/responses/\xff\xfe");
  EXPECT_EQ(out, "\"/v1/responses/\xEF\xBF\xBD\xEF\xBF\xBD\"");
  out.clear();
  append_json_string(out, "ü\"");
  EXPECT_EQ(out, "\"ü\\\"\"");
}

}  // namespace
}  // namespace sluice::util
