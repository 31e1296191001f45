#include "guardrails/deny_list.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sluice::guardrails {
namespace {

std::vector<std::string> found(const DenyList& d, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& m : d.find(text)) out.emplace_back(text.substr(m.begin, m.end - m.begin));
  return out;
}

TEST(DenyList, WordsMatchWholeWordsInAnyCase) {
  const DenyList d({}, {"nightingale", "Project Falcon"});
  EXPECT_EQ(found(d, "About NIGHTINGALE and project falcon."),
            (std::vector<std::string>{"NIGHTINGALE", "project falcon"}));
  EXPECT_TRUE(found(d, "nightingales and projectfalcon").empty());
  EXPECT_TRUE(found(d, "").empty());
}

TEST(DenyList, WordsAreLiteralNotPatterns) {
  const DenyList d({}, {"a.b", "c++"});
  EXPECT_EQ(found(d, "a.b axb c++"), (std::vector<std::string>{"a.b", "c++"}));
}

TEST(DenyList, PatternsAsWrittenAndTermIndexes) {
  const DenyList d({R"((?i)\bproject\s+nightingale\b)", "secret-[0-9]+"}, {"falcon"});
  const auto m = d.find("Project   Nightingale, secret-42, Secret-7 and falcon");
  ASSERT_EQ(m.size(), 3U);
  EXPECT_EQ(m[0].term, 0U);
  EXPECT_EQ(m[1].term, 1U);
  EXPECT_EQ(m[2].term, 2U);  // words count after the patterns
}

TEST(DenyList, OverlapsKeepTheEarliestThenLongest) {
  const DenyList d({"abc", "abcdef", "cde"}, {});
  EXPECT_EQ(found(d, "xabcdefx"), (std::vector<std::string>{"abcdef"}));
}

TEST(DenyList, EmptyMatchesDenyNothing) {
  const DenyList d({"x*"}, {});
  EXPECT_TRUE(found(d, "abc").empty());
  EXPECT_EQ(found(d, "axxb"), (std::vector<std::string>{"xx"}));
}

TEST(DenyList, RefusesBadPatternsNamingWhich) {
  try {
    const DenyList d({"ok", "(unclosed"}, {});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("pattern 2: ", 0), 0U) << e.what();
  }
  EXPECT_THROW(DenyList({}, {""}), std::invalid_argument);
}

}  // namespace
}  // namespace sluice::guardrails
