// Table-driven over tests/fixtures/mlflow-model-serving/*: {"inputs", "params"} to /invocations
// and "predictions" back in each of the shapes MLflow's gateway accepts; its refusals.

#include "providers/mlflow_serving/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

namespace sluice::providers::mlflow_serving {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::case_name;

std::shared_ptr<const ProviderAdapter> make(const std::string& model, model::Operation op) {
  ConfigMap config("test", "config");
  config.add("model_server_url", {"http://127.0.0.1:5001", true, "test:1:1"});
  AdapterSpec spec{"e", op, model, &config};
  return make_mlflow_serving_adapter(spec).value();
}

testing::ProviderCase load_case(const fs::path& dir) {
  return testing::load_provider_case(dir, [](const json::object& meta) {
    return make(std::string(meta.at("provider_model").as_string()), testing::operation_of(meta));
  });
}

class ServingRequestFixture : public ::testing::TestWithParam<fs::path> {};
class ServingResponseFixture : public ::testing::TestWithParam<fs::path> {};
class ServingErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(ServingRequestFixture, RequestBodyAndPath) {
  testing::check_request_fixture(load_case(GetParam()));
}
TEST_P(ServingErrorFixture, ErrorMapping) { testing::check_error_fixture(load_case(GetParam())); }
TEST_P(ServingResponseFixture, ResponseBody) {
  testing::check_response_fixture(load_case(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ServingRequestFixture,
                         ::testing::ValuesIn(testing::cases_with("mlflow-model-serving",
                                                                 "upstream_request.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, ServingResponseFixture,
                         ::testing::ValuesIn(testing::cases_with("mlflow-model-serving",
                                                                 "expected.json")),
                         case_name);

INSTANTIATE_TEST_SUITE_P(Fixtures, ServingErrorFixture,
                         ::testing::ValuesIn(testing::cases_with("mlflow-model-serving", "expected_error.json")),
                         case_name);

TEST(MlflowServing, RefusalsInMlflowsWords) {
  auto chat = make("m", model::Operation::kChat);
  auto two =
      api::openai::parse_request(
          model::Operation::kChat,
          R"({"model": "s", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})")
          .value();
  auto r = chat->translate_request(two);
  ASSERT_FALSE(r);
  EXPECT_EQ(model::http_status(r.error()), 422u);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("consists of 2 queries"));
  auto streamed =
      api::openai::parse_request(
          model::Operation::kChat,
          R"({"model": "s", "stream": true, "messages": [{"role": "user", "content": "a"}]})")
          .value();
  EXPECT_FALSE(chat->translate_request(streamed));
  auto req = api::openai::parse_request(
                 model::Operation::kChat,
                 R"({"model": "s", "messages": [{"role": "user", "content": "a"}]})")
                 .value();
  auto missing = chat->translate_response(req, UpstreamHead{200, {}}, R"({"outputs": ["x"]})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(model::http_status(missing.error()), 502u);
  EXPECT_THAT(missing.error().message,
              ::testing::HasSubstr("missing the required key: predictions"));
}

}  // namespace
}  // namespace sluice::providers::mlflow_serving
