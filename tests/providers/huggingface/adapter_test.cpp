// Table-driven over tests/fixtures/huggingface/*: completions to TGI's /generate and
// /generate_stream and back; chat goes to TGI's OpenAI route; MLflow's refusals.

#include "providers/huggingface/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

namespace sluice::providers::huggingface {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::case_name;

std::shared_ptr<const ProviderAdapter> make(const std::string& model, model::Operation op,
                                            const std::string& token = "") {
  ConfigMap config("test", "config");
  config.add("hf_server_url", {"http://127.0.0.1:8080", true, "test:1:1"});
  if (!token.empty()) config.add("hf_api_token", {token, true, "test:1:2"});
  AdapterSpec spec{"e", op, model, &config};
  return make_tgi_adapter(spec).value();
}

testing::ProviderCase load_case(const fs::path& dir) {
  return testing::load_provider_case(dir, [](const json::object& meta) {
    return make(std::string(meta.at("provider_model").as_string()), testing::operation_of(meta));
  });
}

class TgiRequestFixture : public ::testing::TestWithParam<fs::path> {};
class TgiResponseFixture : public ::testing::TestWithParam<fs::path> {};
class TgiStreamFixture : public ::testing::TestWithParam<fs::path> {};
class TgiErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(TgiRequestFixture, RequestBodyAndPath) {
  testing::check_request_fixture(load_case(GetParam()));
}
TEST_P(TgiResponseFixture, ResponseBody) { testing::check_response_fixture(load_case(GetParam())); }
TEST_P(TgiStreamFixture, StreamInOnePieceAndSplitAtEveryByte) {
  testing::check_stream_fixture(load_case(GetParam()));
}
TEST_P(TgiErrorFixture, ErrorMapping) { testing::check_error_fixture(load_case(GetParam())); }

INSTANTIATE_TEST_SUITE_P(Fixtures, TgiRequestFixture,
                         ::testing::ValuesIn(testing::cases_with("huggingface",
                                                                 "upstream_request.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, TgiResponseFixture,
                         ::testing::ValuesIn(testing::cases_with("huggingface", "expected.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, TgiStreamFixture,
                         ::testing::ValuesIn(testing::cases_with("huggingface",
                                                                 "upstream_stream.sse")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, TgiErrorFixture,
                         ::testing::ValuesIn(testing::cases_with("huggingface",
                                                                 "expected_error.json")),
                         case_name);

TEST(Tgi, ChatGoesToTheOpenAiRouteWithTheToken) {
  auto a = make("llama", model::Operation::kChat, "hf_token_0123456789");
  auto req = api::openai::parse_request(
                 model::Operation::kChat,
                 R"({"model": "t", "messages": [{"role": "user", "content": "hi"}]})")
                 .value();
  auto wire = a->translate_request(req);
  ASSERT_TRUE(wire);
  EXPECT_EQ(wire->target, "/v1/chat/completions");
  EXPECT_THAT(wire->headers, ::testing::Contains(std::pair<std::string, std::string>(
                                 "Authorization", "Bearer hf_token_0123456789")));
  EXPECT_EQ(a->secrets(), std::vector<std::string>{"hf_token_0123456789"});
}

TEST(Tgi, MoreThanOneCandidateIsRefusedAsMlflowDoes) {
  auto a = make("llama", model::Operation::kCompletions);
  auto req = api::openai::parse_request(model::Operation::kCompletions,
                                        R"({"model": "t", "prompt": "x", "n": 2})")
                 .value();
  auto r = a->translate_request(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(model::http_status(r.error()), 422u);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("'n' must be '1'"));
}

}  // namespace
}  // namespace sluice::providers::huggingface
