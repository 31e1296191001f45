#include "tokenizer/chat_tokens.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::tokenizer {

// A provider-native body's output cap in each provider's own field; the token limits read it as
// the budgets do (found by a hostile probe: a Responses body's max_output_tokens was not seen by
// the token limit).
TEST(NativeMaxOutputTokens, ReadsEachProvidersField) {
  auto cap = [](const char* text) {
    return native_max_output_tokens(boost::json::parse(text).as_object());
  };
  EXPECT_EQ(cap(R"({"max_tokens": 200})"), 200u);
  EXPECT_EQ(cap(R"({"max_completion_tokens": 300, "max_tokens": 5})"), 300u);
  EXPECT_EQ(cap(R"({"max_output_tokens": 1000})"), 1000u);
  EXPECT_EQ(cap(R"({"generationConfig": {"maxOutputTokens": 64}})"), 64u);
  EXPECT_EQ(cap(R"({"max_tokens": -3})"), 0u);
  EXPECT_EQ(cap(R"({"generationConfig": "x"})"), 0u);
  EXPECT_EQ(cap(R"({})"), 0u);
  // Several choices each may take the cap (found by a review: the passthrough's limits once
  // reserved one choice's worth).
  EXPECT_EQ(cap(R"({"max_tokens": 4000, "n": 8})"), 32000u);
  EXPECT_EQ(cap(R"({"generationConfig": {"maxOutputTokens": 64, "candidateCount": 3}})"), 192u);
  EXPECT_EQ(cap(R"({"max_tokens": 9223372036854775807, "n": 1000})"), UINT64_MAX / 2);
  // The translated paths' reading is unchanged: it knows only the chat fields.
  EXPECT_EQ(max_completion_tokens(boost::json::parse(R"({"max_output_tokens": 1000})").as_object()),
            0u);
}

}  // namespace sluice::tokenizer
