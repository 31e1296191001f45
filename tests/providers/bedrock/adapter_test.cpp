// Table-driven over tests/fixtures/bedrock/*: OpenAI-dialect requests to Converse and
// InvokeModel (JSON-equal bodies, encoded model paths, SigV4 headers), answers back, errors;
// ConverseStream from binary event-stream frames, whole and split at every byte.

#include "providers/bedrock/adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/bedrock/event_stream.hpp"
#include "support/provider_fixtures.hpp"

namespace sluice::providers::bedrock {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::case_name;

std::shared_ptr<const ProviderAdapter> make(const std::string& model) {
  BedrockSettings s;
  s.model = model;
  s.region = "us-east-1";
  s.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  std::string why;
  s.upstream.url = *util::parse_base_url("https://bedrock-runtime.us-east-1.amazonaws.com", why);
  s.now = [] { return 1440938160LL; };
  return make_bedrock_adapter_with(std::move(s)).value();
}

testing::ProviderCase load_case(const fs::path& dir) {
  return testing::load_provider_case(dir, [](const json::object& meta) {
    return make(std::string(meta.at("provider_model").as_string()));
  });
}

class BedrockRequestFixture : public ::testing::TestWithParam<fs::path> {};
class BedrockResponseFixture : public ::testing::TestWithParam<fs::path> {};
class BedrockErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(BedrockRequestFixture, RequestBodyPathAndSignature) {
  auto c = load_case(GetParam());
  const std::pair<std::string, std::string> date{"X-Amz-Date", "20150830T123600Z"};
  testing::check_request_fixture(c, &date);
  auto wire = c.adapter->translate_request(c.request);
  ASSERT_TRUE(wire);
  bool signed_request = false;
  for (const auto& [name, value] : wire->headers) {
    signed_request =
        signed_request ||
        (name == "Authorization" &&
         value.starts_with(
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, "
             "SignedHeaders=accept;content-type;host;x-amz-date, Signature="));
  }
  EXPECT_TRUE(signed_request);
}
TEST_P(BedrockResponseFixture, ResponseBody) {
  testing::check_response_fixture(load_case(GetParam()));
}
TEST_P(BedrockErrorFixture, ErrorMapping) { testing::check_error_fixture(load_case(GetParam())); }

INSTANTIATE_TEST_SUITE_P(Fixtures, BedrockRequestFixture,
                         ::testing::ValuesIn(testing::cases_with("bedrock",
                                                                 "upstream_request.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, BedrockResponseFixture,
                         ::testing::ValuesIn(testing::cases_with("bedrock", "expected.json")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, BedrockErrorFixture,
                         ::testing::ValuesIn(testing::cases_with("bedrock", "expected_error.json")),
                         case_name);

// A ConverseStream answer with text, a tool call and usage, in AWS's event-stream framing.
std::string converse_stream() {
  auto event = [](const char* type, const char* payload) {
    return encode_event(
        {{":event-type", type}, {":content-type", "application/json"}, {":message-type", "event"}},
        payload);
  };
  return event("messageStart", R"({"role":"assistant"})") +
         event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Let me "}})") +
         event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"check."}})") +
         event("contentBlockStop", R"({"contentBlockIndex":0})") +
         event(
             "contentBlockStart",
             R"({"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_9","name":"get_weather"}}})") +
         event("contentBlockDelta",
               R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}}})") +
         event("contentBlockDelta",
               R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Paris\"}"}}})") +
         event("contentBlockStop", R"({"contentBlockIndex":1})") +
         event("messageStop", R"({"stopReason":"tool_use"})") +
         event(
             "metadata",
             R"({"usage":{"inputTokens":50,"outputTokens":15,"totalTokens":65},"metrics":{"latencyMs":400}})");
}

std::vector<model::StreamEvent> run(const std::vector<std::string_view>& pieces) {
  auto t = make_stream_translator("anthropic.claude-3-haiku-20240307-v1:0", true);
  std::vector<model::StreamEvent> events;
  for (auto p : pieces) EXPECT_TRUE(t->feed(p, events));
  EXPECT_TRUE(t->finish(events));
  return events;
}

TEST(BedrockStream, ConverseStreamInOnePieceAndSplitAtEveryByte) {
  const std::string wire = converse_stream();
  auto events = run({wire});
  ASSERT_EQ(events.size(), 8u);
  std::string text, args;
  for (auto& e : events) {
    const auto& choices = e.chunk.at("choices").as_array();
    if (choices.empty()) continue;
    const auto& delta = choices[0].at("delta").as_object();
    if (delta.contains("content")) text += delta.at("content").as_string();
    if (delta.contains("tool_calls")) {
      const auto& call = delta.at("tool_calls").as_array()[0].as_object();
      if (call.contains("id")) {
        EXPECT_EQ(call.at("id"), "tooluse_9");
      }
      args += call.at("function").at("arguments").as_string();
    }
  }
  EXPECT_EQ(text, "Let me check.");
  EXPECT_EQ(args, R"({"city":"Paris"})");
  EXPECT_EQ(events[6].chunk.at("choices").at(0).at("finish_reason"), "tool_calls");
  EXPECT_EQ(events[7].kind, model::StreamEvent::Kind::kUsage);
  EXPECT_EQ(events[7].usage.total_tokens, 65u);
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    auto split = run({std::string_view(wire).substr(0, cut), std::string_view(wire).substr(cut)});
    ASSERT_EQ(split.size(), events.size()) << cut;
  }
}

TEST(BedrockStream, ExceptionsAndCutStreamsAreErrors) {
  auto t = make_stream_translator("m", true);
  std::vector<model::StreamEvent> events;
  auto r = t->feed(
      encode_event({{":message-type", "exception"}, {":exception-type", "throttlingException"}},
                   R"({"message":"Too many tokens, please wait before trying again."})"),
      events);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().upstream_status, 429u);
  EXPECT_EQ(r.error().error_code, "throttlingException");
  auto cut = make_stream_translator("m", true);
  const std::string wire = converse_stream();
  ASSERT_TRUE(cut->feed(std::string_view(wire).substr(0, wire.size() / 2), events));
  EXPECT_FALSE(cut->finish(events));
}

TEST(BedrockConfig, CredentialsFromMlflowsAwsConfig) {
  ConfigMap config("cfg.yaml:3:7", "endpoints[0].model.config");
  config.add("aws_config.aws_access_key_id", {"AKIDEXAMPLE", true, "cfg.yaml:4:9"});
  config.add("aws_config.aws_secret_access_key", {"secret-0123456789", true, "cfg.yaml:5:9"});
  config.add("aws_config.aws_region", {"eu-west-3", true, "cfg.yaml:6:9"});
  AdapterSpec spec{"e", model::Operation::kChat, "mistral.mistral-large-2402-v1:0", &config};
  auto a = make_bedrock_adapter(spec);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)->upstream().url.host, "bedrock-runtime.eu-west-3.amazonaws.com");
  EXPECT_EQ((*a)->secrets(), std::vector<std::string>{"secret-0123456789"});
}

}  // namespace
}  // namespace sluice::providers::bedrock
