// A cached answer replayed as a stream, read back by a client of each dialect (OpenAI chat,
// Anthropic Messages, Responses, MLflow) from the bytes the gateway writes, cut in two at every
// byte: the client gets the whole text, the usage and the finish reason however the bytes
// arrive. The OpenAI and Anthropic streams are read by the provider adapters' own stream readers
// (what sluice uses when those APIs answer it); the Responses and MLflow ones by the SSE parser
// and their documented event fields.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>

#include "api/anthropic/anthropic_api.hpp"
#include "api/mlflow/mlflow_api.hpp"
#include "api/openai/openai_api.hpp"
#include "api/responses/responses_api.hpp"
#include "cache/replay.hpp"
#include "model/stream_assembly.hpp"
#include "providers/anthropic/adapter.hpp"
#include "providers/common/sse_parser.hpp"
#include "providers/openai/adapter.hpp"

namespace sluice::cache {
namespace {
namespace json = boost::json;

// Several pieces of text: a piece boundary falls near multi-byte characters and inside a word
// with no space.
const std::string kText =
    "Cached answers replay in pieces. Ünïcödé stays whole, and "
    "averyveryverylongwordwithnospacesthatmustbecutsomewhereinsideitself ends it.";

model::Response answer() {
  model::Response r;
  json::object message{{"role", "assistant"}, {"content", kText}};
  r.body = {{"id", "chatcmpl-c1"},
            {"object", "chat.completion"},
            {"created", 7},
            {"model", "m"},
            {"choices", json::array{json::object{
                            {"index", 0}, {"message", message}, {"finish_reason", "stop"}}}}};
  r.usage.prompt_tokens = 5;
  r.usage.completion_tokens = 9;
  r.usage.total_tokens = 14;
  return r;
}

model::Request stream_request() {
  model::Request request;
  request.operation = model::Operation::kChat;
  request.stream = true;
  request.include_usage = true;
  return request;
}

// The bytes a client of `api` receives for the replayed answer.
std::string wire(const api::InboundApi& api) {
  const model::Request request = stream_request();
  auto writer = api.stream_writer(request);
  std::string out;
  for (auto& e : replay_events(answer(), model::Operation::kChat)) out += writer->event(e);
  return out + writer->end();
}

// What a client read: "text|total tokens|finish reason".
using Reader = std::function<std::string(const std::vector<std::string_view>&)>;

std::string summary(const std::string& text, std::uint64_t tokens, std::string_view finish) {
  return text + "|" + std::to_string(tokens) + "|" + std::string(finish);
}

// Through a provider adapter's stream reader, assembled as the gateway assembles a stream.
std::string read_with(providers::StreamTranslator& reader,
                      const std::vector<std::string_view>& pieces) {
  std::vector<model::StreamEvent> events;
  for (auto piece : pieces) EXPECT_TRUE(reader.feed(piece, events));
  EXPECT_TRUE(reader.finish(events));
  const auto whole = model::assemble_response(events, model::Operation::kChat);
  const auto& choice = whole.body.at("choices").as_array().at(0).as_object();
  const auto* finish = choice.if_contains("finish_reason");
  return summary(std::string(choice.at("message").at("content").as_string()),
                 whole.usage.total_tokens.value_or(0),
                 finish != nullptr && finish->is_string() ? finish->get_string() : "");
}

// Each SSE event's data as JSON ([DONE] and empty data left out).
std::vector<json::object> events_of(const std::vector<std::string_view>& pieces) {
  providers::common::SseParser parser;
  std::vector<json::object> out;
  for (auto piece : pieces) {
    EXPECT_TRUE(parser.feed(piece, [&](providers::common::SseEvent& e) {
      if (!e.data.empty() && e.data != "[DONE]") out.push_back(json::parse(e.data).as_object());
      return true;
    }));
  }
  EXPECT_FALSE(parser.has_partial_event());
  return out;
}

void expect_same_at_every_cut(const std::string& bytes, const Reader& read,
                              std::uint64_t tokens = 14) {
  EXPECT_EQ(read({bytes}), summary(kText, tokens, "stop")) << bytes;
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    const std::string_view v = bytes;
    ASSERT_EQ(read({v.substr(0, cut), v.substr(cut)}), summary(kText, tokens, "stop"))
        << "cut at " << cut;
  }
  // And one byte at a time.
  std::vector<std::string_view> bytewise;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytewise.push_back(std::string_view(bytes).substr(i, 1));
  EXPECT_EQ(read(bytewise), summary(kText, tokens, "stop"));
}

TEST(ReplayWire, OpenAiChatClient) {
  const std::string bytes = wire(api::openai::OpenAiApi());
  ASSERT_GT(replay_events(answer(), model::Operation::kChat).size(), 3U) << "several pieces";
  expect_same_at_every_cut(bytes, [](const std::vector<std::string_view>& pieces) {
    auto reader = providers::openai::make_openai_stream_translator("openai");
    return read_with(*reader, pieces);
  });
}

TEST(ReplayWire, AnthropicMessagesClient) {
  const std::string bytes = wire(api::anthropic::AnthropicApi());
  expect_same_at_every_cut(bytes, [](const std::vector<std::string_view>& pieces) {
    auto reader = providers::anthropic::make_stream_translator("anthropic", true);
    return read_with(*reader, pieces);
  });
  // Anthropic's finish reason for "stop".
  EXPECT_NE(bytes.find(R"("stop_reason":"end_turn")"), std::string::npos) << bytes;
}

TEST(ReplayWire, ResponsesClient) {
  const std::string bytes = wire(api::responses::ResponsesApi());
  expect_same_at_every_cut(bytes, [](const std::vector<std::string_view>& pieces) {
    std::string text;
    std::uint64_t tokens = 0;
    std::string status;
    for (const auto& e : events_of(pieces)) {
      const std::string_view type = e.at("type").as_string();
      if (type == "response.output_text.delta") text += e.at("delta").as_string();
      if (type == "response.completed") {
        tokens = e.at("response").at("usage").at("total_tokens").to_number<std::uint64_t>();
        status = e.at("response").at("status").as_string();
      }
    }
    // A completed response is the Responses API's way of saying it stopped on its own.
    return summary(text, tokens, status == "completed" ? "stop" : status);
  });
}

TEST(ReplayWire, MlflowClient) {
  const std::string bytes = wire(api::mlflow::MlflowApi());
  expect_same_at_every_cut(
      bytes,
      [](const std::vector<std::string_view>& pieces) {
        std::string text;
        std::uint64_t tokens = 0;
        std::string finish;
        for (const auto& e : events_of(pieces)) {
          if (const auto* usage = e.if_contains("usage"); usage && usage->is_object())
            tokens = usage->at("total_tokens").to_number<std::uint64_t>();
          const auto* choices = e.if_contains("choices");
          if (choices == nullptr || choices->as_array().empty()) continue;
          const auto& choice = choices->as_array()[0].as_object();
          if (const auto* f = choice.if_contains("finish_reason"); f && f->is_string())
            finish = f->get_string();
          const auto* delta = choice.if_contains("delta");
          if (delta == nullptr) continue;
          if (const auto* c = delta->as_object().if_contains("content"); c && c->is_string())
            text += c->get_string();
        }
        return summary(text, tokens, finish);
      },
      /*tokens=*/0);  // sluice's MLflow streams carry no usage event, cached or not
}

}  // namespace
}  // namespace sluice::cache
