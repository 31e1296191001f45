// Table-driven over tests/fixtures/openai/*: request translation, response translation, stream
// translation (split at every byte boundary and whole) and error mapping, all without a network.

#include "providers/openai/adapter.hpp"

#include <gtest/gtest.h>

#include "api/openai/parse.hpp"
#include "api/openai/render.hpp"
#include "support/fixtures.hpp"
#include "util/redact.hpp"

namespace sluice::providers::openai {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

model::Operation operation_of(const json::object& c) {
  std::string_view op = c.at("operation").as_string();
  if (op == "completions") return model::Operation::kCompletions;
  if (op == "embeddings") return model::Operation::kEmbeddings;
  return model::Operation::kChat;
}

std::shared_ptr<const ProviderAdapter> adapter_for(const json::object& c) {
  ConfigMap config("test", "config");
  std::string key(c.at("api_key").as_string());
  if (!key.empty())
    config.add("openai_api_key", {key, true, "test:1:1"});
  else
    config.add("openai_api_base", {"http://127.0.0.1:8000/v1", true, "test:1:1"});
  if (const auto* type = c.if_contains("api_type")) {  // Azure OpenAI
    config.add("openai_api_type", {std::string(type->as_string()), true, "test:1:2"});
    config.add("openai_api_base", {std::string(c.at("api_base").as_string()), true, "test:1:3"});
    config.add("openai_deployment_name",
               {std::string(c.at("deployment").as_string()), true, "test:1:4"});
    config.add("openai_api_version",
               {std::string(c.at("api_version").as_string()), true, "test:1:5"});
  }
  AdapterSpec spec{"e", operation_of(c), std::string(c.at("provider_model").as_string()), &config};
  return make_openai_adapter(spec).value();
}

struct Case {
  fs::path dir;
  json::object meta;
  model::Request request;
  std::shared_ptr<const ProviderAdapter> adapter;
};

Case load_case(const fs::path& dir) {
  Case c;
  c.dir = dir;
  c.meta = testing::read_json(dir / "case.json").as_object();
  c.request =
      api::openai::parse_request(operation_of(c.meta), testing::read_text(dir / "request.json"))
          .value();
  c.adapter = adapter_for(c.meta);
  return c;
}

std::string upstream_body(const fs::path& dir) {
  if (fs::exists(dir / "upstream_response.json"))
    return testing::read_text(dir / "upstream_response.json");
  return testing::read_text(dir / "upstream_response.txt");
}

// Case folders that have `file`: each test runs on the cases it applies to.
std::vector<fs::path> cases_with(const char* file) {
  std::vector<fs::path> out;
  for (auto& dir : testing::cases("openai")) {
    if (fs::exists(dir / file)) out.push_back(dir);
  }
  return out;
}

class OpenAiRequestFixture : public ::testing::TestWithParam<fs::path> {};
class OpenAiResponseFixture : public ::testing::TestWithParam<fs::path> {};
class OpenAiStreamFixture : public ::testing::TestWithParam<fs::path> {};
class OpenAiErrorFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(OpenAiRequestFixture, RequestBody) {
  Case c = load_case(GetParam());
  auto wire = c.adapter->translate_request(c.request);
  ASSERT_TRUE(wire) << wire.error().message;
  EXPECT_EQ(wire->target, c.meta.at("path").as_string());
  EXPECT_EQ(json::parse(wire->body), testing::read_json(c.dir / "upstream_request.json"));
  std::string key(c.meta.at("api_key").as_string());
  const bool azure_key = c.meta.contains("api_type") && c.meta.at("api_type") == "azure";
  bool has_auth = false, has_api_key = false;
  for (const auto& [name, value] : wire->headers) {
    if (name == "Authorization") {
      has_auth = true;
      EXPECT_EQ(value, "Bearer " + key);
    }
    if (name == "api-key") {
      has_api_key = true;
      EXPECT_EQ(value, key);
    }
  }
  EXPECT_EQ(has_auth, !key.empty() && !azure_key);
  EXPECT_EQ(has_api_key, azure_key);
}

TEST_P(OpenAiResponseFixture, ResponseBody) {
  Case c = load_case(GetParam());
  auto response =
      c.adapter->translate_response(c.request, UpstreamHead{200, {}}, upstream_body(c.dir));
  ASSERT_TRUE(response) << response.error().message;
  auto upstream = testing::read_json(c.dir / "upstream_response.json");
  EXPECT_EQ(response->usage.total_tokens,
            upstream.at("usage").at("total_tokens").to_number<std::uint64_t>());
  std::string out = api::openai::render_response(c.request, *response);
  EXPECT_EQ(json::parse(out), testing::read_json(c.dir / "expected.json"));
}

// Runs the stream through a fresh translator in the given pieces; returns client SSE text.
std::string translate_stream(const Case& c, const std::vector<std::string_view>& pieces,
                             model::Usage& usage) {
  auto translator = c.adapter->open_stream(c.request);
  std::vector<model::StreamEvent> events;
  for (auto piece : pieces) {
    auto r = translator->feed(piece, events);
    EXPECT_TRUE(r) << r.error().message;
  }
  EXPECT_TRUE(translator->finish(events));
  std::string out;
  for (auto& e : events) {
    if (!e.usage.empty()) usage = e.usage;
    out += api::openai::render_stream_event(c.request, e);
  }
  return out + std::string(api::openai::kStreamDone);
}

void expect_same_sse(const std::string& actual, const std::string& expected) {
  auto a = testing::sse_data(actual), e = testing::sse_data(expected);
  ASSERT_EQ(a.size(), e.size()) << actual;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (e[i] == "[DONE]") {
      EXPECT_EQ(a[i], "[DONE]");
    } else {
      EXPECT_EQ(json::parse(a[i]), json::parse(e[i])) << "event " << i;
    }
  }
}

TEST_P(OpenAiStreamFixture, StreamInOnePieceAndSplitAtEveryByte) {
  Case c = load_case(GetParam());
  const std::string raw = testing::read_text(c.dir / "upstream_stream.sse");
  const std::string expected = testing::read_text(c.dir / "expected.sse");
  model::Usage usage;
  expect_same_sse(translate_stream(c, {raw}, usage), expected);
  EXPECT_EQ(usage.total_tokens, c.meta.at("usage").at("total_tokens").to_number<std::uint64_t>());
  for (std::size_t cut = 1; cut < raw.size(); ++cut) {
    std::string_view v = raw;
    model::Usage u;
    std::string out = translate_stream(c, {v.substr(0, cut), v.substr(cut)}, u);
    ASSERT_EQ(testing::sse_data(out).size(), testing::sse_data(expected).size())
        << "cut at " << cut;
    ASSERT_EQ(u.total_tokens, usage.total_tokens) << "cut at " << cut;
  }
}

TEST_P(OpenAiErrorFixture, ErrorMapping) {
  Case c = load_case(GetParam());
  unsigned status = static_cast<unsigned>(c.meta.at("status").to_number<int>());
  Error e = c.adapter->map_error(UpstreamHead{status, {}}, upstream_body(c.dir));
  e.message = util::redact(e.message, c.adapter->secrets());
  EXPECT_EQ(model::http_status(e), status);
  EXPECT_EQ(json::parse(api::openai::render_error(e)),
            testing::read_json(c.dir / "expected_error.json"));
}

std::string case_name(const ::testing::TestParamInfo<fs::path>& info) {
  return info.param.filename().string();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OpenAiRequestFixture,
                         ::testing::ValuesIn(cases_with("request.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, OpenAiResponseFixture,
                         ::testing::ValuesIn(cases_with("expected.json")), case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, OpenAiStreamFixture,
                         ::testing::ValuesIn(cases_with("upstream_stream.sse")), case_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, OpenAiErrorFixture,
                         ::testing::ValuesIn(cases_with("expected_error.json")), case_name);

TEST(OpenAiStream, CutShortIsAnError) {
  auto translator = make_openai_stream_translator("openai");
  std::vector<model::StreamEvent> events;
  ASSERT_TRUE(translator->feed(
      "data: "
      "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
      events));
  EXPECT_EQ(events.size(), 1u);
  auto end = translator->finish(events);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, ErrorCode::kUpstreamUnavailable);
}

TEST(OpenAiStream, FinishReasonWithoutDoneIsComplete) {
  auto translator = make_openai_stream_translator("vllm");
  std::vector<model::StreamEvent> events;
  ASSERT_TRUE(translator->feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n", events));
  EXPECT_TRUE(translator->finish(events));
}

TEST(OpenAiStream, ErrorEventAndGarbageAreErrors) {
  std::vector<model::StreamEvent> events;
  auto a = make_openai_stream_translator("openai");
  auto r = a->feed(
      "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n",
      events);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "The server had an error");
  EXPECT_EQ(r.error().code, ErrorCode::kUpstreamServerError);
  auto b = make_openai_stream_translator("openai");
  EXPECT_FALSE(b->feed("data: {oops\n\n", events));
}

TEST(OpenAiAdapter, OrganizationHeaderAndDefaultBase) {
  ConfigMap config("t", "c");
  config.add("openai_api_key", {"sk-k", true, "t:1:1"});
  config.add("openai_organization", {"org-9", true, "t:1:1"});
  AdapterSpec spec{"e", model::Operation::kChat, "gpt-4o", &config};
  auto adapter = make_openai_adapter(spec).value();
  EXPECT_EQ(adapter->upstream().url.origin(), "https://api.openai.com:443");
  model::Request req =
      api::openai::parse_request(model::Operation::kChat,
                                 R"({"model":"x","messages":[{"role":"user","content":"a"}]})")
          .value();
  auto wire = adapter->translate_request(req).value();
  EXPECT_EQ(wire.target, "/v1/chat/completions");
  EXPECT_NE(std::find(wire.headers.begin(), wire.headers.end(),
                      std::pair<std::string, std::string>{"OpenAI-Organization", "org-9"}),
            wire.headers.end());
}

}  // namespace
}  // namespace sluice::providers::openai
