// Table-driven over tests/fixtures/ollama/*: Ollama's native API (/api/chat, /api/embed) with
// newline-delimited JSON streams, whole and split at every byte; and the default OpenAI route.

#include "providers/ollama/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

namespace sluice::providers::ollama {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::case_name;

std::shared_ptr<const ProviderAdapter> make(const std::string& model, model::Operation op,
                                            const char* api = "native") {
  ConfigMap config("test", "config");
  config.add("api", {api, true, "test:1:1"});
  AdapterSpec spec{"e", op, model, &config};
  return make_ollama_adapter(spec).value();
}

testing::ProviderCase load_case(const fs::path& dir) {
  return testing::load_provider_case(dir, [](const json::object& meta) {
    return make(std::string(meta.at("provider_model").as_string()), testing::operation_of(meta));
  });
}

class OllamaRequestFixture : public ::testing::TestWithParam<fs::path> {};
class OllamaResponseFixture : public ::testing::TestWithParam<fs::path> {};
class OllamaStreamFixture : public ::testing::TestWithParam<fs::path> {};
class OllamaErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(OllamaRequestFixture, RequestBodyAndPath) {
  testing::check_request_fixture(load_case(GetParam()));
}
TEST_P(OllamaResponseFixture, ResponseBody) {
  testing::check_response_fixture(load_case(GetParam()));
}
TEST_P(OllamaStreamFixture, NdjsonInOnePieceAndSplitAtEveryByte) {
  testing::check_stream_fixture(load_case(GetParam()));
}
TEST_P(OllamaErrorFixture, ErrorMapping) { testing::check_error_fixture(load_case(GetParam())); }

INSTANTIATE_TEST_SUITE_P(Fixtures, OllamaRequestFixture,
                         ::testing::ValuesIn(testing::cases_with("ollama",
                                                                 "upstream_request.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, OllamaResponseFixture,
                         ::testing::ValuesIn(testing::cases_with("ollama", "expected.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, OllamaStreamFixture,
                         ::testing::ValuesIn(testing::cases_with("ollama", "upstream_stream.sse")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, OllamaErrorFixture,
                         ::testing::ValuesIn(testing::cases_with("ollama", "expected_error.json")),
                         case_name);

TEST(Ollama, DefaultIsTheOpenAiRouteAsInMlflow) {
  auto a = make("llama3.2", model::Operation::kChat, "openai");
  EXPECT_EQ(a->native_dialect(), "openai");
  EXPECT_EQ(a->upstream().url.path, "/v1");
  auto req = api::openai::parse_request(
                 model::Operation::kChat,
                 R"({"model": "o", "messages": [{"role": "user", "content": "x"}]})")
                 .value();
  EXPECT_EQ(a->translate_request(req)->target, "/v1/chat/completions");
}

TEST(Ollama, ACutStreamIsAnError) {
  auto t = make_ndjson_translator("llama3.2", true);
  std::vector<model::StreamEvent> events;
  ASSERT_TRUE(t->feed(R"({"message":{"role":"assistant","content":"Hi"},"done":false})"
                      "\n",
                      events));
  EXPECT_FALSE(t->finish(events));
}

}  // namespace
}  // namespace sluice::providers::ollama
