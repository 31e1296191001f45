// Databricks Model Serving: LLM endpoints through its OpenAI-compatible API, pyfunc endpoints
// (custom/v1/predict) posted to /serving-endpoints/{name}/invocations as they are.

#include "providers/databricks/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::providers::databricks {
namespace {

namespace json = boost::json;

Result<std::shared_ptr<const ProviderAdapter>> make(model::Operation op,
                                                    std::map<std::string, std::string> keys) {
  ConfigMap config("cfg.yaml:3:7", "endpoints[0].model.config");
  int line = 4;
  for (const auto& [k, v] : keys)
    config.add(k, {v, true, "cfg.yaml:" + std::to_string(line++) + ":9"});
  AdapterSpec spec{"e", op, "my-endpoint", &config};
  return make_databricks_adapter(spec);
}

std::string header(const UpstreamRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(Databricks, LlmEndpointsUseTheOpenAiCompatibleApi) {
  auto a = make(model::Operation::kChat, {{"databricks_host", "adb-123.azuredatabricks.net"},
                                          {"databricks_token", "dapi-0123"}});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)->provider(), "databricks");
  EXPECT_EQ((*a)->upstream().url.host, "adb-123.azuredatabricks.net");
  model::Request req;
  req.body =
      json::parse(R"({"model": "e", "messages": [{"role": "user", "content": "hi"}]})").as_object();
  auto wire = (*a)->translate_request(req);
  ASSERT_TRUE(wire);
  EXPECT_EQ(wire->target, "/serving-endpoints/chat/completions");
  EXPECT_EQ(header(*wire, "Authorization"), "Bearer dapi-0123");
  EXPECT_EQ(json::parse(wire->body).at("model"), "my-endpoint");
}

TEST(Databricks, PyfuncEndpointsGetTheBodyAsItIs) {
  auto a = make(model::Operation::kCustom,
                {{"databricks_workspace_url", "https://dbc-1.cloud.databricks.com/"},
                 {"databricks_token", "dapi-0123"}});
  ASSERT_TRUE(a) << a.error().message;
  model::Request req;
  req.operation = model::Operation::kCustom;
  req.body =
      json::parse(R"({"dataframe_split": {"columns": ["x"], "data": [[1], [2]]}})").as_object();
  auto wire = (*a)->translate_request(req);
  ASSERT_TRUE(wire);
  EXPECT_EQ(wire->target, "/serving-endpoints/my-endpoint/invocations");
  EXPECT_EQ(json::parse(wire->body), json::value(req.body));
  EXPECT_EQ(header(*wire, "Authorization"), "Bearer dapi-0123");
}

TEST(Databricks, ConfigMistakes) {
  EXPECT_THAT(make(model::Operation::kChat, {{"databricks_token", "t"}}).error().message,
              ::testing::HasSubstr("databricks_workspace_url is required"));
  EXPECT_THAT(make(model::Operation::kChat, {{"databricks_host", "h"}}).error().message,
              ::testing::HasSubstr("databricks_token is required"));
}

}  // namespace
}  // namespace sluice::providers::databricks
