// Table-driven over tests/fixtures/anthropic/*: the OpenAI-dialect request translated to the
// Messages API byte for byte (as JSON), answers and streams (whole and split at every byte)
// translated back, errors mapped. Plus the parameters the provider lacks and malformed input.

#include "providers/anthropic/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/openai/parse.hpp"
#include "api/openai/render.hpp"
#include "providers/anthropic/translate.hpp"
#include "support/provider_fixtures.hpp"
#include "util/redact.hpp"

namespace sluice::providers::anthropic {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::shared_ptr<const ProviderAdapter> make(const std::string& model, model::Operation op,
                                            const std::string& unsupported = "") {
  ConfigMap config("test", "config");
  config.add("anthropic_api_key", {"sk-ant-test-abcdefghijklmnop", true, "test:1:1"});
  if (!unsupported.empty()) config.add("unsupported_params", {unsupported, true, "test:1:2"});
  AdapterSpec spec{"e", op, model, &config};
  return make_anthropic_adapter(spec).value();
}

testing::ProviderCase load_case(const fs::path& dir) {
  return testing::load_provider_case(dir, [](const json::object& meta) {
    return make(std::string(meta.at("provider_model").as_string()), testing::operation_of(meta));
  });
}

class AnthropicRequestFixture : public ::testing::TestWithParam<fs::path> {};
class AnthropicResponseFixture : public ::testing::TestWithParam<fs::path> {};
class AnthropicStreamFixture : public ::testing::TestWithParam<fs::path> {};
class AnthropicErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(AnthropicRequestFixture, RequestBodyAndHeaders) {
  auto c = load_case(GetParam());
  auto wire = c.adapter->translate_request(c.request);
  ASSERT_TRUE(wire) << wire.error().message;
  EXPECT_EQ(wire->target, c.meta.at("path").as_string());
  EXPECT_EQ(json::parse(wire->body), testing::read_json(c.dir / "upstream_request.json"));
  std::vector<std::string> dropped;
  for (const auto& d : c.meta.at("dropped").as_array()) dropped.emplace_back(d.as_string());
  EXPECT_EQ(wire->dropped, dropped);
  EXPECT_THAT(wire->headers, ::testing::Contains(std::pair<std::string, std::string>(
                                 "x-api-key", "sk-ant-test-abcdefghijklmnop")));
  EXPECT_THAT(wire->headers, ::testing::Contains(std::pair<std::string, std::string>(
                                 "anthropic-version", "2023-06-01")));
}

TEST_P(AnthropicResponseFixture, ResponseBody) {
  auto c = load_case(GetParam());
  auto response = c.adapter->translate_response(
      c.request, UpstreamHead{200, {}}, testing::read_text(c.dir / "upstream_response.json"));
  ASSERT_TRUE(response) << response.error().message;
  std::string out = api::openai::render_response(c.request, *response);
  EXPECT_EQ(testing::without_time(json::parse(out)), testing::read_json(c.dir / "expected.json"));
}

TEST_P(AnthropicStreamFixture, StreamInOnePieceAndSplitAtEveryByte) {
  testing::check_stream_fixture(load_case(GetParam()));
}

TEST_P(AnthropicErrorFixture, ErrorMapping) {
  auto c = load_case(GetParam());
  unsigned status = static_cast<unsigned>(c.meta.at("status").to_number<int>());
  Error e = c.adapter->map_error(UpstreamHead{status, {}},
                                 testing::read_text(c.dir / "upstream_response.json"));
  e.message = util::redact(e.message, c.adapter->secrets());
  EXPECT_EQ(model::http_status(e), status);
  EXPECT_EQ(json::parse(api::openai::render_error(e)),
            testing::read_json(c.dir / "expected_error.json"));
}

using testing::case_name;

INSTANTIATE_TEST_SUITE_P(Fixtures, AnthropicRequestFixture,
                         ::testing::ValuesIn(testing::cases_with("anthropic",
                                                                 "upstream_request.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, AnthropicResponseFixture,
                         ::testing::ValuesIn(testing::cases_with("anthropic", "expected.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, AnthropicStreamFixture,
                         ::testing::ValuesIn(testing::cases_with("anthropic",
                                                                 "upstream_stream.sse")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, AnthropicErrorFixture,
                         ::testing::ValuesIn(testing::cases_with("anthropic",
                                                                 "expected_error.json")),
                         case_name);

model::Request chat(const std::string& body) {
  return api::openai::parse_request(model::Operation::kChat, body).value();
}

TEST(AnthropicRequest, SemanticParametersAreRejectedOrDroppedAsConfigured) {
  const auto strict = make("claude-sonnet-4-5", model::Operation::kChat);
  const auto lenient = make("claude-sonnet-4-5", model::Operation::kChat, "drop");
  for (const char* extra :
       {R"("n": 2)", R"("logprobs": true)", R"("presence_penalty": 0.5)",
        R"("response_format": {"type": "json_object"})", R"("logit_bias": {"1": 2})"}) {
    auto req =
        chat(std::string(R"({"model": "c", "messages": [{"role": "user", "content": "x"}], )") +
             extra + "}");
    auto r = strict->translate_request(req);
    ASSERT_FALSE(r) << extra;
    EXPECT_EQ(model::http_status(r.error()), 400u);
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("not supported by the anthropic provider"));
    auto d = lenient->translate_request(req);
    ASSERT_TRUE(d) << extra;
    EXPECT_EQ(d->dropped.size(), 1u) << extra;
  }
  // Neutral values change nothing and are not reported.
  auto neutral = strict->translate_request(chat(
      R"({"model": "c", "messages": [{"role": "user", "content": "x"}], "n": 1, "presence_penalty": 0, "logprobs": false})"));
  ASSERT_TRUE(neutral);
  EXPECT_TRUE(neutral->dropped.empty());
}

TEST(AnthropicRequest, InputsItCannotTranslateAreClear400s) {
  const auto a = make("claude-sonnet-4-5", model::Operation::kChat);
  struct Bad {
    const char* body;
    const char* message;
  };
  for (
      const Bad& b : {
          Bad{R"({"model": "c", "messages": [{"role": "user", "content": "x"}], "temperature": 1.5})",
              "temperature must be between 0 and 1"},
          Bad{R"({"model": "c", "messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": "not json"}}]}]})",
              "Tool call arguments must be a JSON object"},
          Bad{R"({"model": "c", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}]}]})",
              "http(s) URL or a base64 data URL"},
          Bad{R"({"model": "c", "messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}]}]})",
              "'input_audio' are not supported"},
          Bad{R"({"model": "c", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "web_search"}]})",
              "tools of type 'function'"},
      }) {
    auto r = a->translate_request(chat(b.body));
    ASSERT_FALSE(r) << b.body;
    EXPECT_EQ(model::http_status(r.error()), 400u);
    EXPECT_THAT(r.error().message, ::testing::HasSubstr(b.message));
  }
}

TEST(AnthropicRequest, SystemMessagesJoinAndAnthropicOnlyFieldsPassThrough) {
  const auto a = make("claude-opus-4-1", model::Operation::kChat);
  auto r = a->translate_request(chat(
      R"({"model": "c", "messages": [{"role": "system", "content": "One."}, {"role": "developer", "content": [{"type": "text", "text": "Two."}]}, {"role": "user", "content": "x"}], "top_k": 5, "thinking": {"type": "enabled", "budget_tokens": 2048}})"));
  ASSERT_TRUE(r) << r.error().message;
  auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("system"), "One.\nTwo.");
  EXPECT_EQ(body.at("top_k"), 5);
  EXPECT_EQ(body.at("thinking").at("budget_tokens"), 2048);
}

TEST(AnthropicStream, ErrorEventAndCutShortAreErrors) {
  std::vector<model::StreamEvent> events;
  auto t = make_stream_translator("anthropic", true);
  auto r = t->feed(
      "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
      "\"message\":\"Overloaded\"}}\n\n",
      events);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Overloaded");
  EXPECT_EQ(r.error().upstream_status, 529u);

  auto cut = make_stream_translator("anthropic", true);
  ASSERT_TRUE(
      cut->feed("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
                "\"model\":\"c\",\"usage\":{\"input_tokens\":3}}}\n\n",
                events));
  auto end = cut->finish(events);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, ErrorCode::kUpstreamUnavailable);
}

TEST(AnthropicConfig, KeyIsRequiredAndModesAreChecked) {
  ConfigMap none("cfg.yaml:3:7", "endpoints[0].model.config");
  AdapterSpec spec{"e", model::Operation::kChat, "claude-sonnet-4-5", &none};
  auto r = make_anthropic_adapter(spec);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("anthropic_api_key is required"));
  ConfigMap bad("cfg.yaml:3:7", "endpoints[0].model.config");
  bad.add("anthropic_api_key", {"k", true, "cfg.yaml:4:9"});
  bad.add("unsupported_params", {"ignore", true, "cfg.yaml:5:9"});
  AdapterSpec spec2{"e", model::Operation::kChat, "claude-sonnet-4-5", &bad};
  auto r2 = make_anthropic_adapter(spec2);
  ASSERT_FALSE(r2);
  EXPECT_THAT(r2.error().message, ::testing::HasSubstr("cfg.yaml:5:9"));
  EXPECT_THAT(r2.error().message, ::testing::HasSubstr("must be reject or drop"));
}

}  // namespace
}  // namespace sluice::providers::anthropic
