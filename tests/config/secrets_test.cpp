#include "config/secrets.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sluice::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST(ResolveSecrets, AllThreeForms) {
  auto env = fake_env({{"KEY", "sk-1"}, {"HOST", "h"}});
  bool secret = false;
  EXPECT_EQ(resolve_secrets("$KEY", env, secret).value(), "sk-1");
  EXPECT_TRUE(secret);
  EXPECT_EQ(resolve_secrets("${KEY}", env, secret).value(), "sk-1");
  EXPECT_EQ(resolve_secrets("${{ secrets.KEY }}", env, secret).value(), "sk-1");
  EXPECT_EQ(resolve_secrets("${{secrets.KEY}}", env, secret).value(), "sk-1");
  EXPECT_EQ(resolve_secrets("http://${HOST}:1/${{ secrets.KEY }}", env, secret).value(),
            "http://h:1/sk-1");
}

TEST(ResolveSecrets, LiteralsStayLiteral) {
  auto env = fake_env({});
  bool secret = true;
  EXPECT_EQ(resolve_secrets("plain", env, secret).value(), "plain");
  EXPECT_FALSE(secret);
  EXPECT_EQ(resolve_secrets("costs $5", env, secret).value(), "costs $5");
  EXPECT_EQ(resolve_secrets("$5", env, secret).value(), "$5");
  EXPECT_EQ(resolve_secrets("a $VAR inside", env, secret).value(), "a $VAR inside");
}

TEST(ResolveSecrets, MissingVariableNamesItAndNothingElse) {
  auto env = fake_env({});
  bool secret = false;
  auto r = resolve_secrets("${{ secrets.OPENAI_KEY }}", env, secret);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "environment variable 'OPENAI_KEY' is not set");
  EXPECT_FALSE(resolve_secrets("$MISSING", env, secret));
  EXPECT_FALSE(resolve_secrets("${MISSING}", env, secret));
}

TEST(ResolveSecrets, MalformedReferences) {
  auto env = fake_env({{"A", "x"}});
  bool secret = false;
  EXPECT_FALSE(resolve_secrets("${A", env, secret));
  EXPECT_FALSE(resolve_secrets("${{ secrets.A", env, secret));
  EXPECT_FALSE(resolve_secrets("${{ env.A }}", env, secret));
  EXPECT_FALSE(resolve_secrets("${not a name}", env, secret));
}

}  // namespace sluice::config
