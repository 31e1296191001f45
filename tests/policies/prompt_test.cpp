#include "policies/prompt/prompt.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::policies {
using pipeline::RequestContext;
namespace json = boost::json;

namespace {

struct Fixture {
  config::Endpoint endpoint;
  prompts::PromptSpec spec;

  explicit Fixture(model::Operation op = model::Operation::kChat) { endpoint.operation = op; }
  std::optional<Error> run(RequestContext& ctx, const char* body) {
    endpoint.prompt = std::make_shared<prompts::PromptSpec>(spec);
    ctx.endpoint = &endpoint;
    ctx.request.operation = endpoint.operation;
    ctx.request.body = json::parse(body).as_object();
    return PromptPolicy::apply(ctx);
  }
};

}  // namespace

TEST(PromptPolicy, ParametersAreDefaultsOverridesAreForcedLimitsClamp) {
  Fixture f;
  f.spec.parameters = json::parse(R"({"temperature":0.7,"max_tokens":500})").as_object();
  f.spec.overrides = json::parse(R"({"top_p":1})").as_object();
  f.spec.max_tokens = 1000;
  RequestContext ctx;
  ASSERT_FALSE(f.run(
      ctx,
      R"({"messages":[{"role":"user","content":"x"}],"temperature":0.1,"top_p":0.5,"max_tokens":5000})"));
  const auto& b = ctx.request.body;
  EXPECT_EQ(b.at("temperature"), 0.1);  // client overrides a default
  EXPECT_EQ(b.at("top_p"), 1);          // an override wins over the client
  EXPECT_EQ(b.at("max_tokens"), 1000);  // clamped
  RequestContext defaults;
  ASSERT_FALSE(f.run(defaults, R"({"messages":[{"role":"user","content":"x"}]})"));
  EXPECT_EQ(defaults.request.body.at("temperature"), 0.7);
  EXPECT_EQ(defaults.request.body.at("max_tokens"), 500);
}

TEST(PromptPolicy, LimitsRejectWhenConfiguredTo) {
  Fixture f;
  f.spec.max_tokens = 100;
  f.spec.clamp_max_tokens = false;
  RequestContext ctx;
  auto e = f.run(ctx, R"({"messages":[{"role":"user","content":"x"}],"max_tokens":101})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->param, "max_tokens");
  EXPECT_EQ(e->message, "'max_tokens' may be at most 100 on this endpoint.");
}

// A negative number read as unsigned threw inside request handling (the connection was dropped
// without an answer); it is a 400 naming the field.
TEST(PromptPolicy, NegativeMaxTokensIsRefused) {
  for (const bool clamp : {true, false}) {
    Fixture f;
    f.spec.max_tokens = 100;
    f.spec.clamp_max_tokens = clamp;
    RequestContext ctx;
    auto e = f.run(ctx, R"({"messages":[{"role":"user","content":"x"}],"max_tokens":-1})");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->param, "max_tokens");
    EXPECT_EQ(e->message, "'max_tokens' must not be negative.");
  }
}

TEST(PromptPolicy, TemplateBuildsSystemAndUserMessages) {
  Fixture f;
  f.spec.versions.emplace("default",
                          prompts::PromptTemplate::parse("Be brief.\nUser: {{ q }}").value());
  f.spec.default_version = "default";
  RequestContext ctx;
  ctx.named_path = true;
  ASSERT_FALSE(f.run(ctx, R"({"q":"why?","stream":false})"));
  EXPECT_EQ(
      ctx.request.body.at("messages"),
      json::parse(
          R"([{"role":"system","content":"Be brief."},{"role":"user","content":"User: why?"}])"));
  EXPECT_FALSE(ctx.request.body.contains("q"));
  EXPECT_EQ(ctx.prompt_version, "default");
}

TEST(PromptPolicy, NamedPathRefusesUnknownFieldsAndMissingVariables) {
  Fixture f;
  f.spec.versions.emplace("default", prompts::PromptTemplate::parse("{{ q }}").value());
  f.spec.default_version = "default";
  f.spec.parameters = json::parse(R"({"temperature":0.2})").as_object();
  RequestContext typo;
  typo.named_path = true;
  auto e = f.run(typo, R"({"q":"a","temprature":1})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->param, "temprature");
  RequestContext allowed;
  allowed.named_path = true;
  EXPECT_FALSE(f.run(allowed, R"({"q":"a","temperature":1})"));
  RequestContext missing;
  missing.named_path = true;
  auto m = f.run(missing, R"({"temperature":1})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message, "Missing template variable 'q'.");
}

TEST(PromptPolicy, VersionsChosenByClientOrRoute) {
  Fixture f(model::Operation::kCompletions);
  f.spec.versions.emplace("v1", prompts::PromptTemplate::parse("one {{x}}").value());
  f.spec.versions.emplace("v2", prompts::PromptTemplate::parse("two {{x}}").value());
  f.spec.default_version = "v1";
  RequestContext by_default;
  ASSERT_FALSE(f.run(by_default, R"({"x":"a"})"));
  EXPECT_EQ(by_default.request.body.at("prompt"), "one a");
  RequestContext by_route;
  by_route.prompt_version = "v2";
  ASSERT_FALSE(f.run(by_route, R"({"x":"a"})"));
  EXPECT_EQ(by_route.request.body.at("prompt"), "two a");
  RequestContext by_client;
  by_client.prompt_version = "v2";
  ASSERT_FALSE(f.run(by_client, R"({"x":"a","prompt_version":"v1"})"));
  EXPECT_EQ(by_client.request.body.at("prompt"), "one a");
  EXPECT_FALSE(by_client.request.body.contains("prompt_version"));
  RequestContext unknown;
  auto e = f.run(unknown, R"({"x":"a","prompt_version":"v9"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->param, "prompt_version");
  RequestContext own;  // the client's own prompt: no template
  ASSERT_FALSE(f.run(own, R"({"prompt":"mine"})"));
  EXPECT_EQ(own.request.body.at("prompt"), "mine");
  EXPECT_EQ(own.prompt_version, "");
}

}  // namespace sluice::policies
