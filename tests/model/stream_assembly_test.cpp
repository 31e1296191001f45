#include "model/stream_assembly.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/anthropic/anthropic_api.hpp"
#include "api/mlflow/mlflow_api.hpp"
#include "api/openai/openai_api.hpp"

namespace sluice::model {
namespace json = boost::json;

namespace {

StreamEvent chunk(const char* text) {
  StreamEvent e;
  e.chunk = json::parse(text).as_object();
  return e;
}

// A chat stream as providers' translators produce it: role, two content pieces, a tool call in
// pieces, the finish reason, then usage.
std::vector<StreamEvent> recorded_chat() {
  std::vector<StreamEvent> events;
  events.push_back(chunk(
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"));
  events.push_back(chunk(
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})"));
  events.push_back(chunk(
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]})"));
  events.push_back(chunk(
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t1","type":"function","function":{"name":"get","arguments":"{\"a\""}}]},"finish_reason":null}]})"));
  events.push_back(chunk(
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]})"));
  StreamEvent usage = chunk(
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})");
  usage.kind = StreamEvent::Kind::kUsage;
  usage.usage.prompt_tokens = 3;
  usage.usage.completion_tokens = 4;
  usage.usage.total_tokens = 7;
  events.push_back(std::move(usage));
  return events;
}

}  // namespace

TEST(StreamAssembly, ARecordedChatStreamAddsUpToTheWholeAnswer) {
  Response r = assemble_response(recorded_chat(), Operation::kChat);
  EXPECT_EQ(r.body.at("id"), "c1");
  EXPECT_EQ(r.body.at("object"), "chat.completion");
  EXPECT_EQ(r.body.at("model"), "m");
  const auto& choice = r.body.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const auto& message = choice.at("message").as_object();
  EXPECT_EQ(message.at("role"), "assistant");
  EXPECT_EQ(message.at("content"), "Hello");
  const auto& call = message.at("tool_calls").at(0).as_object();
  EXPECT_EQ(call.at("id"), "t1");
  EXPECT_EQ(call.at("function").at("name"), "get");
  EXPECT_EQ(call.at("function").at("arguments"), "{\"a\":1}");
  EXPECT_EQ(r.usage.total_tokens, 7u);
  EXPECT_EQ(r.body.at("usage").at("completion_tokens"), 4);
}

TEST(StreamAssembly, AWholeAnswerSplitsIntoAStreamThatAddsUpToItAgain) {
  Response whole = assemble_response(recorded_chat(), Operation::kChat);
  std::vector<StreamEvent> events = split_response(whole, Operation::kChat);
  ASSERT_EQ(events.size(), 2u);  // the message in one chunk, then usage
  EXPECT_EQ(events[0].chunk.at("object"), "chat.completion.chunk");
  EXPECT_EQ(events[1].kind, StreamEvent::Kind::kUsage);
  Response again = assemble_response(events, Operation::kChat);
  EXPECT_EQ(json::serialize(again.body), json::serialize(whole.body));
}

TEST(StreamAssembly, CompletionsJoinText) {
  std::vector<StreamEvent> events{
      chunk(
          R"({"id":"x","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"a","finish_reason":null}]})"),
      chunk(
          R"({"id":"x","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"b","finish_reason":"stop"}]})")};
  Response r = assemble_response(events, Operation::kCompletions);
  EXPECT_EQ(r.body.at("object"), "text_completion");
  EXPECT_EQ(r.body.at("choices").at(0).at("text"), "ab");
  EXPECT_EQ(r.body.at("choices").at(0).at("finish_reason"), "stop");
  auto split = split_response(r, Operation::kCompletions);
  ASSERT_EQ(split.size(), 1u);
  EXPECT_EQ(split[0].chunk.at("choices").at(0).at("text"), "ab");
}

// A recorded stream replayed through each inbound API's own stream writer: what a client of
// that dialect gets when a policy answers a stream request in the provider's place.
TEST(StreamReplay, ARecordedStreamRendersInEachDialect) {
  Request request;
  request.operation = Operation::kChat;
  request.stream = true;
  request.include_usage = true;
  auto replay = [&](const api::InboundApi& api) {
    auto writer = api.stream_writer(request);
    std::string out;
    for (auto& e : recorded_chat()) out += writer->event(e);
    return out + writer->end();
  };
  const std::string openai = replay(api::openai::OpenAiApi());
  EXPECT_NE(openai.find(R"("content":"Hel")"), std::string::npos);
  EXPECT_NE(openai.find(R"("total_tokens":7)"), std::string::npos);
  EXPECT_TRUE(openai.ends_with("data: [DONE]\n\n"));

  const std::string anthropic = replay(api::anthropic::AnthropicApi());
  EXPECT_TRUE(anthropic.starts_with("event: message_start\n"));
  EXPECT_NE(anthropic.find(R"("type":"text_delta","text":"Hel")"), std::string::npos);
  EXPECT_NE(anthropic.find(R"("type":"tool_use")"), std::string::npos);
  EXPECT_NE(anthropic.find(R"("stop_reason":"tool_use")"), std::string::npos);
  EXPECT_NE(anthropic.find("event: message_stop\n"), std::string::npos);

  const std::string mlflow = replay(api::mlflow::MlflowApi());
  EXPECT_NE(mlflow.find(R"("content":"lo")"), std::string::npos);
  EXPECT_EQ(mlflow.find("[DONE]"), std::string::npos);
}

}  // namespace sluice::model
