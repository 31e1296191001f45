// The OpenAI-compatible presets: each builds from the config keys MLflow uses for it, talks to
// its default address, and sends its key (or none) the OpenAI way.
#include "providers/openai/presets.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/registry.hpp"

namespace sluice::providers::openai {
namespace {

using ::testing::HasSubstr;

Result<std::shared_ptr<const ProviderAdapter>> build(
    const std::string& provider, const std::map<std::string, std::string>& keys,
    model::Operation op = model::Operation::kChat) {
  ConfigMap config("cfg.yaml:3:7", "endpoints[0].model.config");
  int line = 4;
  for (const auto& [k, v] : keys)
    config.add(k, {v, true, "cfg.yaml:" + std::to_string(line++) + ":9"});
  AdapterSpec spec{"e", op, "some-model", &config};
  return make_adapter(provider, spec);
}

std::string header(const UpstreamRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(Presets, EachBuildsWithItsKeyAndDefaultAddress) {
  for (const auto& p : presets()) {
    auto a = build(p.name, {{p.key_field, "key-0123456789"}});
    ASSERT_TRUE(a) << p.name << ": " << a.error().message;
    EXPECT_EQ((*a)->provider(), p.name);
    std::string why;
    const auto expected = util::parse_base_url(p.default_base, why);
    ASSERT_TRUE(expected) << p.name;
    const auto& url = (*a)->upstream().url;
    EXPECT_EQ(url.origin(), expected->origin()) << p.name;
    EXPECT_EQ(url.path, expected->path) << p.name;
    EXPECT_EQ(url.tls(), std::string_view(p.default_base).starts_with("https://")) << p.name;
    model::Request req;
    req.body["model"] = "e";
    req.body["messages"] = boost::json::array{};
    auto wire = (*a)->translate_request(req);
    ASSERT_TRUE(wire);
    EXPECT_EQ(header(*wire, "Authorization"), "Bearer key-0123456789") << p.name;
    EXPECT_THAT(wire->body, HasSubstr("\"model\":\"some-model\"")) << p.name;
  }
}

TEST(Presets, HostedOnesNeedAKeyLocalOnesDoNot) {
  auto groq = build("groq", {});
  ASSERT_FALSE(groq);
  EXPECT_THAT(groq.error().message, HasSubstr("api_key is required"));
  auto mistral = build("mistral", {{"api_key", "k"}});  // MLflow's key name is mistral_api_key
  ASSERT_FALSE(mistral);
  EXPECT_THAT(mistral.error().message, HasSubstr("mistral_api_key is required"));
  auto vllm = build("vllm", {{"api_base", "http://10.0.0.5:8000/v1"}});
  ASSERT_TRUE(vllm) << vllm.error().message;
  model::Request req;
  auto wire = (*vllm)->translate_request(req);
  ASSERT_TRUE(wire);
  EXPECT_EQ(header(*wire, "Authorization"), "");
  EXPECT_EQ(wire->target, "/v1/chat/completions");
  // Ollama's conventional key "ollama" means no key at all (as in MLflow).
  auto ollama = build("ollama", {{"api_key", "ollama"}});
  ASSERT_TRUE(ollama);
  EXPECT_EQ(header(*(*ollama)->translate_request(req), "Authorization"), "");
}

TEST(Presets, UnknownKeysAndBadAddressesAreErrorsWithPositions) {
  auto typo = build("deepseek", {{"api_key", "k"}, {"deepseek_api_key", "k"}});
  ASSERT_FALSE(typo);
  EXPECT_THAT(typo.error().message, HasSubstr("deepseek_api_key"));
  auto bad = build("xai", {{"api_key", "k"}, {"api_base", "not a url"}});
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("cfg.yaml:"));
}

TEST(Presets, CapabilitiesFollowWhatTheProviderServes) {
  auto groq = build("groq", {{"api_key", "k"}});
  ASSERT_TRUE(groq);
  EXPECT_FALSE((*groq)->capabilities().embeddings);
  auto together = build("togetherai", {{"togetherai_api_key", "k"}});
  ASSERT_TRUE(together);
  EXPECT_TRUE((*together)->capabilities().embeddings);
  EXPECT_TRUE((*together)->capabilities().completions);
}

}  // namespace
}  // namespace sluice::providers::openai
