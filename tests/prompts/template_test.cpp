#include "prompts/template.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::prompts {
namespace json = boost::json;

TEST(PromptTemplate, FillsVariablesWithOptionalSpaces) {
  auto t =
      PromptTemplate::parse("You are terse.\nUser: {{ user_input }} ({{lang}}, {{  user_input  }})")
          .value();
  EXPECT_EQ(t.variables(), (std::vector<std::string>{"user_input", "lang"}));
  auto out = t.render(json::parse(R"({"user_input":"hi","lang":"en"})").as_object()).value();
  EXPECT_EQ(out, "You are terse.\nUser: hi (en, hi)");
}

TEST(PromptTemplate, NonStringValuesAreJsonAndUnicodeIsKept) {
  auto t = PromptTemplate::parse("{{n}}|{{list}}|{{obj}}|{{s}}").value();
  auto out = t.render(
      json::parse(R"({"n":3,"list":[1,"a"],"obj":{"k":null},"s":"日本語 ✓ \"q\""})").as_object());
  EXPECT_EQ(out.value(), R"(3|[1,"a"]|{"k":null}|日本語 ✓ "q")");
}

TEST(PromptTemplate, NoInjection) {
  auto t = PromptTemplate::parse("A {{a}} B {{b}}").value();
  auto out = t.render(json::parse(R"({"a":"{{ b }}","b":"x"})").as_object());
  EXPECT_EQ(out.value(), "A {{ b }} B x");
}

TEST(PromptTemplate, MissingVariableNamesIt) {
  auto t = PromptTemplate::parse("Hi {{ who }}").value();
  auto out = t.render(json::object{});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "Missing template variable 'who'.");
  EXPECT_EQ(out.error().param, "who");
}

TEST(PromptTemplate, ParseErrors) {
  EXPECT_FALSE(PromptTemplate::parse("Hi {{ who"));
  EXPECT_FALSE(PromptTemplate::parse("Hi {{ two words }}"));
  EXPECT_FALSE(PromptTemplate::parse("Hi {{}}"));
  EXPECT_TRUE(PromptTemplate::parse("no placeholders, just } and { braces"));
}

TEST(SplitSystem, TextBeforeTheUserLineIsTheSystemMessage) {
  EXPECT_EQ(split_system("You are helpful.\nUser: hi\nAssistant:"),
            (std::pair<std::string, std::string>{"You are helpful.", "User: hi\nAssistant:"}));
  EXPECT_EQ(split_system("User: hi"), (std::pair<std::string, std::string>{"", "User: hi"}));
  EXPECT_EQ(split_system("Translate: hi"),
            (std::pair<std::string, std::string>{"", "Translate: hi"}));
}

}  // namespace sluice::prompts
