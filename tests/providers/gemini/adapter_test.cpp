// Table-driven over tests/fixtures/gemini/*: OpenAI-dialect requests to generateContent and
// batchEmbedContents (JSON-equal bodies, paths, the API key header), answers and streams back
// (whole and split at every byte), errors mapped; plus what the provider cannot take.

#include "providers/gemini/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/gemini/translate.hpp"
#include "support/provider_fixtures.hpp"

namespace sluice::providers::gemini {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::case_name;

constexpr const char* kKey = "AIza-test-key-0123456789";

std::shared_ptr<const ProviderAdapter> make(const std::string& model, model::Operation op,
                                            const std::string& unsupported = "") {
  ConfigMap config("test", "config");
  config.add("gemini_api_key", {kKey, true, "test:1:1"});
  if (!unsupported.empty()) config.add("unsupported_params", {unsupported, true, "test:1:2"});
  AdapterSpec spec{"e", op, model, &config};
  return make_gemini_adapter(spec).value();
}

testing::ProviderCase load_case(const fs::path& dir) {
  return testing::load_provider_case(dir, [](const json::object& meta) {
    return make(std::string(meta.at("provider_model").as_string()), testing::operation_of(meta));
  });
}

class GeminiRequestFixture : public ::testing::TestWithParam<fs::path> {};
class GeminiResponseFixture : public ::testing::TestWithParam<fs::path> {};
class GeminiStreamFixture : public ::testing::TestWithParam<fs::path> {};
class GeminiErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(GeminiRequestFixture, RequestBodyPathAndKey) {
  const auto key = std::pair<std::string, std::string>("x-goog-api-key", kKey);
  testing::check_request_fixture(load_case(GetParam()), &key);
}

TEST_P(GeminiResponseFixture, ResponseBody) {
  testing::check_response_fixture(load_case(GetParam()));
}

TEST_P(GeminiStreamFixture, StreamInOnePieceAndSplitAtEveryByte) {
  testing::check_stream_fixture(load_case(GetParam()));
}

TEST_P(GeminiErrorFixture, ErrorMapping) { testing::check_error_fixture(load_case(GetParam())); }

INSTANTIATE_TEST_SUITE_P(Fixtures, GeminiRequestFixture,
                         ::testing::ValuesIn(testing::cases_with("gemini",
                                                                 "upstream_request.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, GeminiResponseFixture,
                         ::testing::ValuesIn(testing::cases_with("gemini", "expected.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, GeminiStreamFixture,
                         ::testing::ValuesIn(testing::cases_with("gemini", "upstream_stream.sse")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, GeminiErrorFixture,
                         ::testing::ValuesIn(testing::cases_with("gemini", "expected_error.json")),
                         case_name);

model::Request chat(const std::string& body) {
  return api::openai::parse_request(model::Operation::kChat, body).value();
}

TEST(GeminiRequest, WhatItCannotTakeIsAClear400) {
  const auto a = make("gemini-2.5-flash", model::Operation::kChat);
  struct Bad {
    const char* body;
    const char* message;
  };
  for (
      const Bad& b : {
          Bad{R"({"model": "g", "messages": [{"role": "user", "content": "x"}], "n": 3})",
              "'n' is not supported by the gemini provider"},
          Bad{R"({"model": "g", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]})",
              "base64 data URLs"},
          Bad{R"({"model": "g", "messages": [{"role": "tool", "tool_call_id": "nope", "content": "x"}]})",
              "must answer a tool call made earlier"},
      }) {
    auto r = a->translate_request(chat(b.body));
    ASSERT_FALSE(r) << b.body;
    EXPECT_EQ(model::http_status(r.error()), 400u);
    EXPECT_THAT(r.error().message, ::testing::HasSubstr(b.message));
  }
  auto lenient = make("gemini-2.5-flash", model::Operation::kChat, "drop");
  auto d = lenient->translate_request(
      chat(R"({"model": "g", "messages": [{"role": "user", "content": "x"}], "n": 3})"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dropped, std::vector<std::string>{"n"});
}

TEST(GeminiRequest, JsonModesAndNativeSettings) {
  const auto a = make("gemini-2.5-flash", model::Operation::kChat);
  auto r = a->translate_request(chat(
      R"({"model": "g", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object"}}}, "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]})"));
  ASSERT_TRUE(r) << r.error().message;
  auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("generationConfig").at("responseMimeType"), "application/json");
  EXPECT_EQ(body.at("generationConfig").at("responseJsonSchema").at("type"), "object");
  EXPECT_EQ(body.at("safetySettings").as_array().size(), 1u);
}

TEST(GeminiResponse, ABlockedPromptIsAContentFilterFinish) {
  const auto a = make("gemini-2.5-flash", model::Operation::kChat);
  auto req = chat(R"({"model": "g", "messages": [{"role": "user", "content": "x"}]})");
  auto r = a->translate_response(
      req, UpstreamHead{200, {}},
      R"({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.at("choices").at(0).at("finish_reason"), "content_filter");
}

TEST(GeminiStream, CutShortAndErrorChunksAreErrors) {
  auto t = make_stream_translator("gemini-2.5-flash", true);
  std::vector<model::StreamEvent> events;
  ASSERT_TRUE(t->feed(R"(data: {"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]})"
                      "\n\n",
                      events));
  EXPECT_FALSE(t->finish(events));
  auto e = make_stream_translator("gemini-2.5-flash", true);
  auto r = e->feed(
      R"(data: {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})"
      "\n\n",
      events);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "The model is overloaded.");
  EXPECT_EQ(r.error().error_code, "UNAVAILABLE");
}

}  // namespace
}  // namespace sluice::providers::gemini
