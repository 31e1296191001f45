#include "config/mlflow_objects.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/loader.hpp"
#include "pipeline/paths.hpp"
#include "util/secret_box.hpp"

namespace sluice::config::mlflow {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr const char* kKeyHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

json::object config_of(const std::string& provider, const json::object& auth,
                       std::vector<std::string> fields = {"api_key"}) {
  auto r = provider_model(provider, "s-1", fields, auth, "the-model");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? r->config : json::object{};
}

TEST(MlflowProviderModel, MapsEachProviderAsMlflowDoes) {
  const json::value key{{"secret", "mlflow:s-1/api_key"}};
  auto openai = config_of("openai", {{"api_base", "http://x/v1"}, {"organization", "org"}});
  EXPECT_EQ(openai["openai_api_key"], key);
  EXPECT_EQ(openai["openai_api_base"], "http://x/v1");
  EXPECT_EQ(openai["openai_organization"], "org");

  auto azure_via_openai = config_of("openai", {{"api_type", "azure"},
                                               {"api_base", "https://a"},
                                               {"deployment_name", "dep"},
                                               {"api_version", "2024-02-01"},
                                               {"organization", "ignored"}});
  EXPECT_EQ(azure_via_openai["openai_api_type"], "azure");
  EXPECT_EQ(azure_via_openai["openai_deployment_name"], "dep");
  EXPECT_FALSE(azure_via_openai.contains("openai_organization"));

  auto azure = config_of("azure", {{"api_base", "https://a"}, {"api_version", "v"}});
  EXPECT_EQ(azure["openai_deployment_name"], "the-model");  // the model name is the deployment

  auto anthropic = config_of("anthropic", {{"version", "2023-06-01"}, {"api_base", "http://a"}});
  EXPECT_EQ(anthropic["anthropic_api_key"], key);
  EXPECT_EQ(anthropic["anthropic_version"], "2023-06-01");
  EXPECT_EQ(anthropic["anthropic_api_base"], "http://a");

  auto groq = config_of("groq", {});
  EXPECT_EQ(groq["api_key"], key);

  auto bedrock =
      provider_model("bedrock", "s-1", {"aws_access_key_id", "aws_secret_access_key"},
                     {{"auth_mode", "access_keys"}, {"aws_region_name", "eu-west-1"}}, "m");
  ASSERT_TRUE(bedrock);
  EXPECT_FALSE(bedrock->proxies);
  EXPECT_EQ(bedrock->config["aws_region"], "eu-west-1");
  EXPECT_EQ(bedrock->config["aws_secret_access_key"],
            json::value({{"secret", "mlflow:s-1/aws_secret_access_key"}}));
}

TEST(MlflowProviderModel, RefusesWhatSluiceDoesNotServe) {
  auto unknown = provider_model("some-litellm-provider", "s-1", {"api_key"}, {}, "m");
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message, HasSubstr("'some-litellm-provider' is not served"));
  // The host's credential chain is never a stored definition's.
  auto chain = provider_model("bedrock", "s-1", {}, {{"auth_mode", "default_chain"}}, "m");
  ASSERT_FALSE(chain);
  EXPECT_THAT(chain.error().message, HasSubstr("access_keys"));
  EXPECT_FALSE(provider_model("databricks", "s-1", {}, {{"auth_mode", "oauth_m2m"}}, "m"));
}

TEST(MlflowSecretReference, RoundTripsAndRefusesOtherNames) {
  auto r = parse_secret_reference(secret_reference("s-abc", "api_key"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, "s-abc");
  EXPECT_EQ(r->second, "api_key");
  for (const char* name : {"openai-prod", "mlflow:", "mlflow:s-1", "mlflow:/x", "mlflow:s-1/"})
    EXPECT_FALSE(parse_secret_reference(name)) << name;
}

StoredObject row(std::string_view kind, std::string id, const json::object& body,
                 std::string workspace = "") {
  return {std::string(kind), std::move(id), std::move(workspace), json::serialize(body), 1, 2};
}

StoredConfig objects_for(const json::array& mappings, const json::value& fallback_config) {
  StoredConfig s;
  s.objects.push_back(row(kSecretKind, "s-1",
                          {{"secret_id", "s-1"},
                           {"secret_name", "k"},
                           {"masked_values", json::object{{"api_key", "****"}}},
                           {"auth_config", json::object{{"api_base", "http://up/v1"}}}}));
  for (const char* d : {"d-a", "d-b", "d-c"}) {
    s.objects.push_back(row(kModelKind, d,
                            {{"model_definition_id", d},
                             {"name", std::string(d).substr(2)},
                             {"secret_id", "s-1"},
                             {"provider", "openai"},
                             {"model_name", std::string("gpt-") + d}}));
  }
  json::object e{{"endpoint_id", "e-1"}, {"name", "chat"}, {"model_mappings", mappings}};
  if (!fallback_config.is_null()) e["fallback_config"] = fallback_config;
  s.objects.push_back(row(kEndpointKind, "e-1", e));
  return s;
}

json::object mapping(const char* id, const char* linkage, double weight, int order = -1) {
  json::object m{{"model_definition_id", id}, {"linkage_type", linkage}, {"weight", weight}};
  if (order >= 0) m["fallback_order"] = order;
  return m;
}

TEST(MlflowExpand, OneModelIsOneEndpointUnderTheEndpointsNameWithTheRawProxy) {
  const auto x = expand(objects_for({mapping("d-a", "PRIMARY", 1)}, nullptr));
  ASSERT_TRUE(x.problems.empty()) << x.problems.front();
  ASSERT_EQ(x.objects.size(), 1u);
  EXPECT_EQ(x.objects[0].kind, "endpoint");
  EXPECT_EQ(x.objects[0].name, "chat");
  const auto body = json::parse(x.objects[0].body).as_object();
  EXPECT_EQ(body.at("raw_proxy"), true);
  EXPECT_EQ(body.at("model").at("name"), "gpt-d-a");
  EXPECT_EQ(body.at("model").at("config").at("openai_api_base"), "http://up/v1");
}

TEST(MlflowExpand, SplitAndFallbackBecomeARoute) {
  const auto x = expand(objects_for({mapping("d-a", "PRIMARY", 0.7), mapping("d-b", "PRIMARY", 0.3),
                                     mapping("d-c", "FALLBACK", 1, 2)},
                                    json::object{{"strategy", "SEQUENTIAL"}, {"max_attempts", 1}}));
  ASSERT_TRUE(x.problems.empty()) << x.problems.front();
  ASSERT_EQ(x.objects.size(), 4u);
  EXPECT_EQ(x.objects[0].name, "chat.a");
  EXPECT_EQ(x.objects[2].name, "chat.c");
  EXPECT_FALSE(json::parse(x.objects[0].body).as_object().contains("raw_proxy"));
  ASSERT_EQ(x.objects[3].kind, "route");
  const auto route = json::parse(x.objects[3].body).as_object();
  EXPECT_EQ(route.at("name"), "chat");
  EXPECT_EQ(route.at("fallback"), true);
  const auto& d = route.at("destinations").as_array();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].at("weight"), 70);
  EXPECT_EQ(d[1].at("weight"), 30);
  EXPECT_FALSE(d[2].as_object().contains("weight"));  // the fallback, after the tier
}

TEST(MlflowExpand, FallbackModelsNeedAFallbackConfigAndKeepToMaxAttempts) {
  // Without fallback_config MLflow never falls back: the FALLBACK model is not served.
  auto x = expand(
      objects_for({mapping("d-a", "PRIMARY", 1), mapping("d-b", "FALLBACK", 1, 1)}, nullptr));
  ASSERT_EQ(x.objects.size(), 1u);
  EXPECT_EQ(x.objects[0].name, "chat");
  // In fallback_order, at most max_attempts of them.
  x = expand(objects_for({mapping("d-a", "PRIMARY", 1), mapping("d-b", "FALLBACK", 1, 5),
                          mapping("d-c", "FALLBACK", 1, 2)},
                         json::object{{"max_attempts", 1}}));
  ASSERT_EQ(x.objects.size(), 3u);
  EXPECT_EQ(x.objects[1].name, "chat.c");
  EXPECT_EQ(json::parse(x.objects[2].body).at("destinations").as_array().size(), 2u);
}

TEST(MlflowExpand, ADanglingModelLeavesTheEndpointOutWithAProblem) {
  auto s = objects_for({mapping("d-a", "PRIMARY", 1), mapping("d-x", "PRIMARY", 1)}, nullptr);
  const auto x = expand(s);
  EXPECT_TRUE(x.objects.empty());
  ASSERT_EQ(x.problems.size(), 1u);
  EXPECT_THAT(x.problems[0], HasSubstr("stored mlflow_endpoint 'e-1': model definition 'd-x'"));
  // No PRIMARY model: not served, and nothing to say (MLflow answers such an endpoint 404).
  EXPECT_TRUE(expand(objects_for({mapping("d-a", "FALLBACK", 1, 1)}, nullptr)).objects.empty());
}

StoredConfig sealed_config(std::string_view key_hex, const std::string& api_key) {
  auto s = objects_for({mapping("d-a", "PRIMARY", 1)}, nullptr);
  auto key = util::parse_secrets_key(key_hex);
  EXPECT_TRUE(key);
  const auto sealed =
      util::seal(*key, json::serialize(json::object{{"api_key", api_key}}), secret_aad("s-1"));
  auto body = json::parse(s.objects[0].body).as_object();
  body["sealed"] = {{"key_id", util::secrets_key_id(*key)},
                    {"nonce", sealed.nonce},
                    {"ciphertext", sealed.ciphertext}};
  s.objects[0].body = json::serialize(body);
  return s;
}

TEST(MlflowLoad, TheLoaderServesAnMlflowEndpointWithItsSealedKey) {
  const std::string yaml = std::string("auth: {secrets_key: \"") + kKeyHex + "\"}\nendpoints: []\n";
  auto stored = sealed_config(kKeyHex, "sk-mlflow-sealed-1234567890");
  auto snapshot = load_string(yaml, "cfg.yaml", process_env, pipeline::is_reserved_path, &stored);
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  const Endpoint* e = (*snapshot)->find("chat");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->stored);
  EXPECT_TRUE(e->raw_proxy);
  EXPECT_EQ(e->provider, "openai");
  EXPECT_EQ(e->model_name, "gpt-d-a");
}

TEST(MlflowLoad, AValueSealedWithAnotherKeyIsAnErrorThatNamesNoValue) {
  const std::string yaml = std::string("auth: {secrets_key: \"") + kKeyHex + "\"}\nendpoints: []\n";
  auto stored = sealed_config("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100",
                              "sk-never-shown-42");
  auto r = load_string(yaml, "cfg.yaml", process_env, pipeline::is_reserved_path, &stored);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("was sealed with key"));
  // A serving gateway leaves it out with a warning instead.
  stored.skip_broken = true;
  auto served = load_string(yaml, "cfg.yaml", process_env, pipeline::is_reserved_path, &stored);
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_EQ((*served)->find("chat"), nullptr);
  ASSERT_FALSE((*served)->warnings.empty());
  EXPECT_THAT((*served)->warnings[0], HasSubstr("stored endpoint 'chat'"));
}

}  // namespace
}  // namespace sluice::config::mlflow
