// An Anthropic Messages client's request, read by the inbound Messages API and written again by
// the anthropic provider, reaches Anthropic with every prompt-cache marker, thinking block and
// tool result it had (issue: coding agents lose nothing through sluice). The other providers
// get the same request without those fields, and say so.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/anthropic/anthropic_api.hpp"
#include "api/openai/parse.hpp"
#include "api/openai/render.hpp"
#include "model/stream_assembly.hpp"
#include "providers/anthropic/adapter.hpp"
#include "providers/anthropic_fields.hpp"
#include "providers/common/sse_parser.hpp"
#include "providers/common/support.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::anthropic {
namespace {

namespace json = boost::json;

std::shared_ptr<const ProviderAdapter> adapter() {
  ConfigMap config("test", "config");
  config.add("anthropic_api_key", {"sk-ant-test-abcdefghijklmnop", true, "test:1:1"});
  AdapterSpec spec{"e", model::Operation::kChat, "claude-sonnet-4-5", &config};
  return make_anthropic_adapter(spec).value();
}

model::Request from_messages_api(std::string_view body) {
  model::Request request;
  auto parsed = api::anthropic::AnthropicApi{}.parse(model::Operation::kChat, body, request);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return request;
}

json::object sent(const model::Request& request) {
  auto wire = adapter()->translate_request(request);
  EXPECT_TRUE(wire) << wire.error().message;
  return wire ? json::parse(wire->body).as_object() : json::object{};
}

// A Claude Code–style turn: system and tools marked for caching (one with a 1 h TTL), thinking
// on, an earlier assistant turn with its signed thinking block and a tool call, the tool's
// result with an image and a cache marker.
constexpr std::string_view kAgentTurn = R"({
  "model": "claude",
  "max_tokens": 4096,
  "system": [
    {"type": "text", "text": "You are a coding agent."},
    {"type": "text", "text": "Project rules: keep it small.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
  ],
  "tools": [
    {"name": "read_file", "description": "Read a file", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}},
    {"name": "screenshot", "input_schema": {"type": "object", "properties": {}}, "cache_control": {"type": "ephemeral"}}
  ],
  "thinking": {"type": "enabled", "budget_tokens": 2048},
  "messages": [
    {"role": "user", "content": [{"type": "text", "text": "Fix the bug.", "cache_control": {"type": "ephemeral"}}]},
    {"role": "assistant", "content": [
      {"type": "thinking", "thinking": "I should look at the page.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA"},
      {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
      {"type": "tool_use", "id": "toolu_01", "name": "screenshot", "input": {}}
    ]},
    {"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "toolu_01", "cache_control": {"type": "ephemeral"}, "content": [
        {"type": "text", "text": "The page:"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="}}
      ]},
      {"type": "text", "text": "Go on."}
    ]}
  ]
})";

TEST(AnthropicMessagesFidelity, AnAgentTurnReachesAnthropicAsTheClientSentIt) {
  model::Request request = from_messages_api(kAgentTurn);
  EXPECT_TRUE(request.anthropic_fields);
  json::object expected = json::parse(kAgentTurn).as_object();
  expected["model"] = "claude-sonnet-4-5";
  json::object body = sent(request);
  // The one difference the translation is allowed: client tools carry no `type`, both ways.
  EXPECT_EQ(body, expected) << json::serialize(body);
}

TEST(AnthropicMessagesFidelity, TheClientsBetaHeaderIsForwarded) {
  model::Request request = from_messages_api(kAgentTurn);
  auto plain = adapter()->translate_request(request);
  ASSERT_TRUE(plain);
  for (const auto& [k, v] : plain->headers) EXPECT_NE(k, "anthropic-beta");
  request.anthropic_beta = "extended-cache-ttl-2025-04-11,interleaved-thinking-2025-05-14";
  auto wire = adapter()->translate_request(request);
  ASSERT_TRUE(wire);
  EXPECT_THAT(wire->headers, ::testing::Contains(std::pair<std::string, std::string>(
                                 "anthropic-beta",
                                 "extended-cache-ttl-2025-04-11,interleaved-thinking-2025-05-14")));
}

TEST(AnthropicMessagesFidelity, ErrorFlagAndStringToolResultsRoundTrip) {
  constexpr std::string_view turn = R"({"model": "c", "max_tokens": 10, "messages": [
    {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "is_error": true, "content": "Error: not found"}]}
  ]})";
  model::Request request = from_messages_api(turn);
  const auto& tool = request.body.at("messages").as_array()[1].as_object();
  EXPECT_EQ(tool.at("content"), "Error: not found");
  EXPECT_EQ(tool.at("is_error"), true);
  json::object expected = json::parse(turn).as_object();
  expected["model"] = "claude-sonnet-4-5";
  EXPECT_EQ(sent(request), expected);
}

TEST(AnthropicMessagesFidelity, OpenAiShapedCacheMarkersReachAnthropic) {
  auto request = api::openai::parse_request(model::Operation::kChat, R"({"model": "c",
    "messages": [
      {"role": "system", "content": [{"type": "text", "text": "Long rules.", "cache_control": {"type": "ephemeral"}}]},
      {"role": "user", "content": [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral", "ttl": "5m"}}]}],
    "tools": [{"type": "function", "function": {"name": "f"}, "cache_control": {"type": "ephemeral"}}]})");
  ASSERT_TRUE(request);
  json::object body = sent(*request);
  EXPECT_EQ(
      body.at("system"),
      json::parse(
          R"([{"type": "text", "text": "Long rules.", "cache_control": {"type": "ephemeral"}}])"));
  EXPECT_EQ(body.at("messages").at(0).at("content").at(0).at("cache_control"),
            json::parse(R"({"type": "ephemeral", "ttl": "5m"})"));
  EXPECT_EQ(body.at("tools").at(0).at("cache_control"), json::parse(R"({"type": "ephemeral"})"));
}

TEST(AnthropicMessagesFidelity, ImageMediaTypesAreWhatAnthropicTakes) {
  // image/jpg is corrected; a label that contradicts the bytes follows the bytes.
  auto request = api::openai::parse_request(model::Operation::kChat, R"({"model": "c",
    "messages": [{"role": "user", "content": [
      {"type": "image_url", "image_url": {"url": "data:image/jpg;base64,AAAA"}},
      {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,iVBORw0KGgoAAAANSUhEUg=="}},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,/9j/4AAQSkZJRg=="}}]}]})");
  ASSERT_TRUE(request);
  const json::object body = sent(*request);
  const auto& parts = body.at("messages").at(0).at("content").as_array();
  EXPECT_EQ(parts.at(0).at("source").at("media_type"), "image/jpeg");
  EXPECT_EQ(parts.at(1).at("source").at("media_type"), "image/png");
  EXPECT_EQ(parts.at(2).at("source").at("media_type"), "image/jpeg");
  EXPECT_EQ(common::image_media_type("image/webp", "UklGRgAAAABXRUJQVlA4IA=="), "image/webp");
  EXPECT_EQ(common::image_media_type("image/png", "UklGRgAAAABBVkkgTElTVA=="), "image/png");
}

TEST(AnthropicMessagesFidelity, WhitespaceOnlyTextBesideToolCallsIsLeftOut) {
  for (const char* blank : {R"(" ")", R"("\n\n")", R"([{"type": "text", "text": " \t"}])"}) {
    auto request = api::openai::parse_request(
        model::Operation::kChat,
        std::string(R"({"model": "c", "messages": [{"role": "user", "content": "x"},
          {"role": "assistant", "content": )") +
            blank +
            R"(, "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
          {"role": "tool", "tool_call_id": "t1", "content": "ok"}]})");
    ASSERT_TRUE(request) << blank;
    const json::object body = sent(*request);
    const auto& assistant = body.at("messages").at(1).at("content").as_array();
    ASSERT_EQ(assistant.size(), 1u) << blank;
    EXPECT_EQ(assistant.at(0).at("type"), "tool_use") << blank;
  }
}

TEST(AnthropicMessagesFidelity, OtherProvidersGetTheRequestWithoutAnthropicFields) {
  model::Request request = from_messages_api(kAgentTurn);
  std::vector<std::string> dropped;
  auto plain = without_anthropic_fields(request, "openai", dropped);
  // The tool result holds an image: other providers take text tool results only.
  ASSERT_FALSE(plain);
  EXPECT_EQ(model::http_status(plain.error()), 400u);
  EXPECT_THAT(plain.error().message, ::testing::HasSubstr("provider 'openai'"));

  request = from_messages_api(R"({"model": "c", "max_tokens": 10,
    "system": [{"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral"}}],
    "tools": [{"name": "f", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}}],
    "messages": [
      {"role": "user", "content": [{"type": "text", "text": "Go.", "cache_control": {"type": "ephemeral"}}]},
      {"role": "assistant", "content": [{"type": "thinking", "thinking": "Hm.", "signature": "s"}, {"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "is_error": true, "content": [{"type": "text", "text": "no"}, {"type": "text", "text": "such file"}]}]}]})");
  dropped.clear();
  plain = without_anthropic_fields(request, "openai", dropped);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->anthropic_fields);
  const std::string text = json::serialize(plain->body);
  for (const char* field : {"cache_control", "thinking_blocks", "reasoning_content", "is_error"})
    EXPECT_EQ(text.find(field), std::string::npos) << field << " in " << text;
  EXPECT_THAT(dropped, ::testing::UnorderedElementsAre("cache_control", "thinking_blocks",
                                                       "reasoning_content", "is_error"));
  // A failed tool reads as one in the text; the tool call itself is kept.
  EXPECT_EQ(plain->body.at("messages").at(3), json::parse(R"(
    {"role": "tool", "tool_call_id": "t1", "content": "Error: no\nsuch file"})"));
  EXPECT_EQ(plain->body.at("messages").at(2).at("tool_calls").at(0).at("id"), "t1");
  // The original is untouched: the anthropic provider of a fallback still gets everything.
  EXPECT_NE(json::serialize(request.body).find("cache_control"), std::string::npos);
  EXPECT_TRUE(request.anthropic_fields);
}

TEST(AnthropicMessagesFidelity, OpenAiShapedRequestsWithAnthropicFieldsAreMarked) {
  for (
      const char* message :
      {R"({"role": "user", "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}]})",
       R"({"role": "assistant", "content": "x", "thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": "s"}]})",
       R"({"role": "assistant", "content": "x", "reasoning_content": "t"})"}) {
    auto request = api::openai::parse_request(
        model::Operation::kChat, std::string(R"({"model": "c", "messages": [)") + message + "]}");
    ASSERT_TRUE(request) << message;
    EXPECT_TRUE(request->anthropic_fields) << message;
  }
  auto plain = api::openai::parse_request(
      model::Operation::kChat,
      R"({"model": "c", "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}], "top_k": 5})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->anthropic_fields);
}

// Found by a hostile probe: Claude Code's `thinking` reached Gemini and OpenAI-dialect servers as
// an unknown field, which they refuse. Gemini now gets it as a reasoning effort; OpenAI-dialect
// servers not at all (named); Claude on Bedrock as it is.
TEST(AnthropicMessagesFidelity, AnthropicsThinkingSwitchIsCarriedOrLeftOutByProvider) {
  model::Request request = from_messages_api(R"({"model": "c", "max_tokens": 5000,
    "thinking": {"type": "enabled", "budget_tokens": 3000}, "messages": [{"role": "user", "content": "x"}]})");
  EXPECT_TRUE(request.anthropic_fields);
  std::vector<std::string> dropped;
  auto gemini = without_anthropic_fields(request, "gemini", dropped);
  ASSERT_TRUE(gemini);
  EXPECT_FALSE(gemini->body.contains("thinking"));
  EXPECT_EQ(gemini->body.at("reasoning_effort"), "medium");
  EXPECT_TRUE(dropped.empty());
  auto openai = without_anthropic_fields(request, "openai", dropped);
  ASSERT_TRUE(openai);
  EXPECT_FALSE(openai->body.contains("thinking"));
  EXPECT_FALSE(openai->body.contains("reasoning_effort"));
  EXPECT_THAT(dropped, ::testing::ElementsAre("thinking"));
  dropped.clear();
  auto bedrock = without_anthropic_fields(request, "bedrock", dropped, true);
  ASSERT_TRUE(bedrock);
  EXPECT_EQ(bedrock->body.at("thinking"), request.body.at("thinking"));
}

TEST(AnthropicMessagesFidelity, ThinkingWithoutASignatureIsNotSentToAnthropic) {
  // What an Anthropic client got from another provider's reasoning, sent back.
  model::Request request = from_messages_api(R"({"model": "c", "max_tokens": 10, "messages": [
    {"role": "user", "content": "x"},
    {"role": "assistant", "content": [{"type": "thinking", "thinking": "DeepSeek thought", "signature": ""}, {"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}]})");
  const json::object body = sent(request);
  EXPECT_EQ(body.at("messages").at(1).at("content"),
            json::parse(R"([{"type": "tool_use", "id": "t1", "name": "f", "input": {}}])"));
  // thinking_blocks that is not a list of thinking blocks is a 400, not a crash.
  request.body.at("messages").as_array()[1].as_object()["thinking_blocks"] = json::array{1};
  auto wire = adapter()->translate_request(request);
  ASSERT_FALSE(wire);
  EXPECT_EQ(model::http_status(wire.error()), 400u);
}

// What Anthropic streams for a thinking turn that calls a tool
// (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking, "Streaming thinking").
constexpr std::string_view kThinkingStream =
    "event: message_start\n"
    R"(data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":120,"cache_creation_input_tokens":0,"cache_read_input_tokens":2048,"output_tokens":1}}})"
    "\n\nevent: content_block_start\n"
    R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants the weather."}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" I will call the tool."}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl"}})"
    "\n\nevent: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":0})"
    "\n\nevent: content_block_start\n"
    R"(data: {"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"}})"
    "\n\nevent: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":1})"
    "\n\nevent: content_block_start\n"
    R"(data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Paris\"}"}})"
    "\n\nevent: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":2})"
    "\n\nevent: message_delta\n"
    R"(data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":60}})"
    "\n\nevent: message_stop\n"
    R"(data: {"type":"message_stop"})"
    "\n\n";

// The content_block_* events of an Anthropic stream, parsed.
std::vector<json::value> content_events(std::string_view sse) {
  std::vector<json::value> out;
  common::SseParser parser;
  parser.feed(sse, [&](common::SseEvent& e) {
    json::value v = json::parse(e.data);
    if (v.at("type").as_string().starts_with("content_block")) out.push_back(std::move(v));
    return true;
  });
  return out;
}

model::Request streamed_turn() {
  return from_messages_api(
      R"({"model": "claude", "max_tokens": 4096, "stream": true, "thinking": {"type": "enabled", "budget_tokens": 2048}, "messages": [{"role": "user", "content": "Weather in Paris?"}]})");
}

std::vector<model::StreamEvent> translated(std::string_view sse, std::size_t split) {
  model::Request request = streamed_turn();
  auto reader = adapter()->open_stream(request);
  std::vector<model::StreamEvent> events;
  EXPECT_TRUE(reader->feed(sse.substr(0, split), events));
  EXPECT_TRUE(reader->feed(sse.substr(split), events));
  EXPECT_TRUE(reader->finish(events));
  return events;
}

TEST(AnthropicMessagesFidelity, AStreamedThinkingTurnReachesTheClientWithItsBlocksAndSignature) {
  const auto expected = content_events(kThinkingStream);
  for (std::size_t split = 0; split <= kThinkingStream.size(); ++split) {
    auto events = translated(kThinkingStream, split);
    model::Request request = streamed_turn();
    auto writer = api::anthropic::AnthropicApi{}.stream_writer(request);
    std::string sse;
    for (auto& e : events) sse += writer->event(e);
    sse += writer->end();
    ASSERT_EQ(content_events(sse), expected) << "split at " << split << ":\n" << sse;
  }
}

TEST(AnthropicMessagesFidelity, AStreamedThinkingTurnAddsUpToTheWholeAnswer) {
  // What an answer policy (or a cache) sees of the stream, and the stream it replays from it.
  auto assembled =
      model::assemble_response(translated(kThinkingStream, 0), model::Operation::kChat);
  const auto& message = assembled.body.at("choices").at(0).at("message");
  EXPECT_EQ(message.at("reasoning_content"), "The user wants the weather. I will call the tool.");
  EXPECT_EQ(message.at("thinking_blocks"), json::parse(R"([
    {"type": "thinking", "thinking": "The user wants the weather. I will call the tool.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl"},
    {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"}])"));
  // Replayed through the Anthropic writer: the same blocks (the thinking in one delta).
  model::Request request = streamed_turn();
  auto writer = api::anthropic::AnthropicApi{}.stream_writer(request);
  std::string sse;
  for (auto& e : model::split_response(assembled, model::Operation::kChat)) sse += writer->event(e);
  sse += writer->end();
  auto replayed = content_events(sse);
  ASSERT_EQ(replayed.size(), 9u) << sse;
  EXPECT_EQ(replayed[1].at("delta").at("thinking"),
            "The user wants the weather. I will call the tool.");
  EXPECT_EQ(replayed[2].at("delta").at("signature"),
            "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl");
  EXPECT_EQ(replayed[4].at("content_block").at("type"), "redacted_thinking");
  EXPECT_EQ(replayed[6].at("content_block").at("name"), "get_weather");
}

TEST(AnthropicMessagesFidelity, AWholeThinkingAnswerKeepsItsBlocksBothWays) {
  constexpr std::string_view answer = R"({"id": "msg_02", "type": "message", "role": "assistant",
    "model": "claude-sonnet-4-5-20250929", "stop_reason": "tool_use", "stop_sequence": null,
    "content": [
      {"type": "thinking", "thinking": "Call the tool.", "signature": "EqQBsig"},
      {"type": "redacted_thinking", "data": "EmwKredacted"},
      {"type": "text", "text": "Let me check."},
      {"type": "tool_use", "id": "toolu_02", "name": "get_weather", "input": {"city": "Paris"}}],
    "usage": {"input_tokens": 10, "output_tokens": 20}})";
  model::Request request = from_messages_api(
      R"({"model": "claude", "max_tokens": 100, "messages": [{"role": "user", "content": "Weather?"}]})");
  auto response = adapter()->translate_response(request, UpstreamHead{200, {}}, answer);
  ASSERT_TRUE(response) << response.error().message;
  // OpenAI-shaped clients get the thinking too, and can send it back on the next turn.
  const auto& message = response->body.at("choices").at(0).at("message");
  EXPECT_EQ(message.at("reasoning_content"), "Call the tool.");
  EXPECT_EQ(message.at("thinking_blocks").as_array().size(), 2u);
  // Anthropic clients get the content as Anthropic sent it.
  json::value rendered =
      json::parse(api::anthropic::AnthropicApi{}.render_response(request, *response));
  EXPECT_EQ(rendered.at("content"), json::parse(answer).at("content"));
}

TEST(AnthropicMessagesFidelity, OtherProvidersReasoningReachesAnthropicClientsAsThinking) {
  model::Request request = streamed_turn();
  model::Response whole;
  whole.body = json::parse(R"({"id": "x", "choices": [{"index": 0, "finish_reason": "stop",
    "message": {"role": "assistant", "content": "Hi.", "reasoning_content": "Thought."}}]})")
                   .as_object();
  json::value rendered =
      json::parse(api::anthropic::AnthropicApi{}.render_response(request, whole));
  EXPECT_EQ(rendered.at("content"), json::parse(R"([
    {"type": "thinking", "thinking": "Thought.", "signature": ""}, {"type": "text", "text": "Hi."}])"));
  // Streamed, the same blocks.
  auto writer = api::anthropic::AnthropicApi{}.stream_writer(request);
  std::string sse;
  for (auto& e : model::split_response(whole, model::Operation::kChat)) sse += writer->event(e);
  sse += writer->end();
  auto events = content_events(sse);
  ASSERT_EQ(events.size(), 6u) << sse;
  EXPECT_EQ(events[0].at("content_block").at("type"), "thinking");
  // A string signature, so an SDK's accumulated block can be sent back as it is.
  EXPECT_EQ(events[0].at("content_block").at("signature"), "");
  EXPECT_EQ(events[1].at("delta").at("thinking"), "Thought.");
  EXPECT_EQ(events[4].at("delta").at("text"), "Hi.");
}

// Found by a hostile client: malformed Anthropic-only fields were dropped on the way, so a
// turn reached Anthropic without the block it needs (or with no content at all).
TEST(AnthropicMessagesFidelity, MalformedAnthropicFieldsAreRefusedNotDropped) {
  const std::string head = R"({"model": "c", "max_tokens": 10, "messages": [
    {"role": "user", "content": "x"}, {"role": "assistant", "content": [)";
  const std::string tail = R"(, {"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}]})";
  for (const char* block :
       {R"({"type": "thinking", "thinking": "t"})",
        R"({"type": "thinking", "thinking": "t", "signature": 5})",
        R"({"type": "thinking", "thinking": 5, "signature": "s"})",
        R"({"type": "redacted_thinking", "data": 5})", R"({"type": "redacted_thinking"})"}) {
    model::Request request;
    auto parsed =
        api::anthropic::AnthropicApi{}.parse(model::Operation::kChat, head + block + tail, request);
    ASSERT_FALSE(parsed) << block;
    EXPECT_EQ(model::http_status(parsed.error()), 400u) << block;
    EXPECT_THAT(parsed.error().message, ::testing::HasSubstr("thinking block needs")) << block;
  }
  model::Request request;
  auto parsed = api::anthropic::AnthropicApi{}.parse(model::Operation::kChat, R"({"model": "c",
    "max_tokens": 10, "messages": [{"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "t1", "is_error": "yes", "content": "x"}]}]})",
                                                     request);
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.error().message, ::testing::HasSubstr("is_error must be a boolean"));

  // The same fields on an OpenAI-shaped request, each named by its place.
  for (auto [extra, param] :
       {std::pair{R"("thinking_blocks": "str")", "messages[1].thinking_blocks"},
        std::pair{R"("thinking_blocks": 5)", "messages[1].thinking_blocks"},
        std::pair{R"("thinking_blocks": {})", "messages[1].thinking_blocks"},
        std::pair{R"("thinking_blocks": [1, 2])", "messages[1].thinking_blocks[0]"},
        std::pair{R"("thinking_blocks": [{"type": "x"}])", "messages[1].thinking_blocks[0].type"},
        std::pair{R"("thinking_blocks": [{"type": "thinking", "thinking": 5}])",
                  "messages[1].thinking_blocks[0].thinking"},
        std::pair{R"("thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": 1}])",
                  "messages[1].thinking_blocks[0].signature"},
        std::pair{R"("thinking_blocks": [{"type": "redacted_thinking", "data": 5}])",
                  "messages[1].thinking_blocks[0].data"},
        std::pair{R"("reasoning_content": 5)", "messages[1].reasoning_content"},
        std::pair{R"("is_error": "yes")", "messages[1].is_error"}}) {
    auto openai = api::openai::parse_request(
        model::Operation::kChat,
        std::string(R"({"model": "c", "messages": [{"role": "user", "content": "x"},
          {"role": "assistant", "content": "y", )") +
            extra + "}]}");
    ASSERT_FALSE(openai) << extra;
    EXPECT_EQ(openai.error().param, param) << extra;
  }
}

TEST(AnthropicMessagesFidelity, ATurnLeftWithNothingIsA400NotAnEmptyTurn) {
  for (const char* turns : {
           R"({"role": "user", "content": [{"type": "text", "text": " \n"}]},
              {"role": "assistant", "content": "y"})",
           R"({"role": "user", "content": "x"},
              {"role": "assistant", "content": [{"type": "thinking", "thinking": "Elsewhere.", "signature": ""}, {"type": "text", "text": " "}]},
              {"role": "user", "content": "z"})"}) {
    model::Request request = from_messages_api(
        std::string(R"({"model": "c", "max_tokens": 10, "messages": [)") + turns + "]}");
    auto wire = adapter()->translate_request(request);
    ASSERT_FALSE(wire) << turns;
    EXPECT_EQ(model::http_status(wire.error()), 400u);
    EXPECT_THAT(wire.error().message, ::testing::HasSubstr("has no content")) << turns;
  }
  // A final assistant turn (a prefill) may be empty.
  model::Request prefill = from_messages_api(R"({"model": "c", "max_tokens": 10, "messages": [
    {"role": "user", "content": "x"}, {"role": "assistant", "content": [{"type": "text", "text": " "}]}]})");
  EXPECT_TRUE(adapter()->translate_request(prefill));
}

TEST(AnthropicMessagesFidelity, AMarkedToolUseTurnHasNullContentForOtherProviders) {
  model::Request request = from_messages_api(R"({"model": "c", "max_tokens": 10, "messages": [
    {"role": "user", "content": "x"},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}, "cache_control": {"type": "ephemeral"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}]})");
  std::vector<std::string> dropped;
  auto plain = without_anthropic_fields(request, "openai", dropped);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_TRUE(plain->body.at("messages").at(1).at("content").is_null());
  EXPECT_THAT(dropped, ::testing::ElementsAre("cache_control"));
}

TEST(AnthropicMessagesFidelity, DeepToolSchemasAreReadAndTooDeepIsSaidSo) {
  auto nested = [](int depth) {
    std::string schema = R"({"type": "string"})";
    for (int i = 0; i < depth; ++i)
      schema = R"({"type": "object", "properties": {"a": )" + schema + "}}";
    return std::string(
               R"({"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}],
      "tools": [{"name": "f", "input_schema": )") +
           schema + "}]}";
  };
  model::Request request;
  auto deep = api::anthropic::AnthropicApi{}.parse(model::Operation::kChat, nested(20), request);
  EXPECT_TRUE(deep) << deep.error().message;  // ~45 levels: past Boost.JSON's default of 32
  model::Request too_deep;
  auto refused =
      api::anthropic::AnthropicApi{}.parse(model::Operation::kChat, nested(40), too_deep);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, ::testing::HasSubstr("nests deeper than"));
  auto openai = api::openai::parse_request(model::Operation::kChat, nested(40));
  ASSERT_FALSE(openai);
  EXPECT_THAT(openai.error().message, ::testing::HasSubstr("nests deeper than"));
}

}  // namespace
}  // namespace sluice::providers::anthropic

namespace sluice::providers::anthropic {
namespace {

// reasoning_effort (OpenAI's, and the Responses API's reasoning.effort) → Anthropic thinking.
TEST(AnthropicMessagesFidelity, ReasoningEffortBecomesAThinkingBudgetBelowMaxTokens) {
  auto with = [](std::string_view extra) {
    auto request = api::openai::parse_request(
        model::Operation::kChat,
        std::string(R"({"model": "c", "messages": [{"role": "user", "content": "x"}], )") +
            std::string(extra) + "}");
    EXPECT_TRUE(request) << extra;
    return adapter()->translate_request(*request);
  };
  auto thinking_of = [&](std::string_view extra) {
    auto wire = with(extra);
    EXPECT_TRUE(wire) << extra;
    json::object body = wire ? json::parse(wire->body).as_object() : json::object{};
    return body.contains("thinking") ? body.at("thinking") : json::value(nullptr);
  };
  EXPECT_EQ(thinking_of(R"("reasoning_effort": "low")"),
            json::parse(R"({"type": "enabled", "budget_tokens": 1024})"));
  EXPECT_EQ(thinking_of(R"("reasoning_effort": "xhigh")"),
            json::parse(R"({"type": "enabled", "budget_tokens": 8192})"));
  // A max_tokens left to the default grows by the budget (Anthropic counts thinking in it and
  // wants the budget below it); found by review: xhigh sent budget 8192 with max_tokens 8192.
  auto wire = with(R"("reasoning_effort": "xhigh")");
  ASSERT_TRUE(wire);
  EXPECT_EQ(json::parse(wire->body).at("max_tokens"), 8192 + 8192);
  // One the client set keeps 1024 tokens for the answer; too small a cap thinks not (named).
  EXPECT_EQ(thinking_of(R"("reasoning_effort": "high", "max_tokens": 6000)"),
            json::parse(R"({"type": "enabled", "budget_tokens": 4096})"));
  EXPECT_EQ(thinking_of(R"("reasoning_effort": "high", "max_tokens": 3000)"),
            json::parse(R"({"type": "enabled", "budget_tokens": 1976})"));
  EXPECT_TRUE(thinking_of(R"("reasoning_effort": "high", "max_tokens": 1500)").is_null());
  auto small = with(R"("reasoning_effort": "high", "max_tokens": 1500)");
  ASSERT_TRUE(small);
  EXPECT_THAT(small->dropped, ::testing::Contains("reasoning_effort"));
  EXPECT_TRUE(thinking_of(R"("reasoning_effort": "minimal")").is_null());
  // The client's own thinking wins.
  EXPECT_EQ(thinking_of(R"("reasoning_effort": "high", "thinking": {"type": "disabled"})"),
            json::parse(R"({"type": "disabled"})"));
  auto bogus = with(R"("reasoning_effort": "extreme")");
  ASSERT_FALSE(bogus);
  EXPECT_EQ(bogus.error().param, "reasoning_effort");
}

}  // namespace
}  // namespace sluice::providers::anthropic

namespace sluice::providers::anthropic {
namespace {

// What Claude Code sends with its WebSearch tool on and a PDF read, and gets back
// (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool, .../pdf-support,
// .../search-results): blocks sluice does not translate pass through verbatim, in order.
constexpr std::string_view kServerToolTurn = R"({
  "model": "claude", "max_tokens": 1024, "container": "container_011", "service_tier": "standard_only",
  "mcp_servers": [{"type": "url", "url": "https://mcp.example.com/sse", "name": "docs"}],
  "tools": [
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
    {"name": "read_file", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}
  ],
  "messages": [
    {"role": "user", "content": [
      {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"}, "title": "spec.pdf", "cache_control": {"type": "ephemeral"}},
      {"type": "text", "text": "Summarize it and search the web."}]},
    {"role": "assistant", "content": [
      {"type": "text", "text": "Searching."},
      {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {"query": "sluice gateway"}},
      {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01", "content": [{"type": "web_search_result", "url": "https://example.com/a", "title": "A", "encrypted_content": "EqgfCioIARgB", "page_age": null}]},
      {"type": "text", "text": "It is a gateway.", "citations": [{"type": "web_search_result_location", "url": "https://example.com/a", "title": "A", "encrypted_index": "Eo8BCioI", "cited_text": "a gateway"}]},
      {"type": "tool_use", "id": "toolu_01", "name": "read_file", "input": {"path": "README.md"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": [
      {"type": "search_result", "source": "README.md", "title": "README", "content": [{"type": "text", "text": "sluice is fast."}]}]}]}
  ]})";

TEST(AnthropicMessagesFidelity, ServerToolsDocumentsAndCitationsReachAnthropicAsSent) {
  model::Request request = from_messages_api(kServerToolTurn);
  EXPECT_TRUE(request.anthropic_fields);
  const json::object body = sent(request);
  const json::object original = json::parse(kServerToolTurn).as_object();
  EXPECT_EQ(body.at("messages"), original.at("messages"));
  EXPECT_EQ(body.at("tools"), original.at("tools"));
  for (const char* key : {"container", "service_tier", "mcp_servers"})
    EXPECT_EQ(body.at(key), original.at(key)) << key;

  // Another provider: the document is a 400 naming it; without it, the server tool's trace and
  // the server tool itself are left out, named, and the client tool call stays.
  std::vector<std::string> dropped;
  auto plain = without_anthropic_fields(request, "openai", dropped);
  ASSERT_FALSE(plain);
  EXPECT_THAT(plain.error().message, ::testing::HasSubstr("'document' block"));
  EXPECT_THAT(plain.error().message, ::testing::HasSubstr("provider 'openai'"));
  json::object no_document = original;
  auto& first = no_document["messages"].as_array()[0].as_object()["content"].as_array();
  first.erase(first.begin());
  no_document["messages"].as_array()[2] = json::parse(
      R"({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "ok"}]})");
  request = from_messages_api(json::serialize(no_document));
  dropped.clear();
  plain = without_anthropic_fields(request, "openai", dropped);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(providers::carries_anthropic_fields(plain->body)) << json::serialize(plain->body);
  EXPECT_THAT(dropped, ::testing::IsSupersetOf({"server_tool_use", "web_search_tool_result",
                                                "citations", "web_search_20250305", "container",
                                                "mcp_servers", "service_tier"}));
  const json::object& assistant = plain->body.at("messages").at(1).as_object();
  EXPECT_EQ(assistant.at("content"), json::parse(R"([{"type": "text", "text": "Searching."},
    {"type": "text", "text": "It is a gateway."}])"));
  EXPECT_EQ(assistant.at("tool_calls").at(0).at("id"), "toolu_01");
  EXPECT_EQ(plain->body.at("tools").as_array().size(), 1u);
}

// A web search answer: Anthropic's blocks and stop reason back to an Anthropic client as they
// were, whole and streamed.
constexpr std::string_view kSearchAnswer =
    R"({"id": "msg_ws1", "type": "message", "role": "assistant",
  "model": "claude-sonnet-4-5", "stop_reason": "pause_turn", "stop_sequence": null,
  "usage": {"input_tokens": 50, "output_tokens": 20, "server_tool_use": {"web_search_requests": 1}},
  "content": [
    {"type": "text", "text": "Let me search."},
    {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {"query": "q"}},
    {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01", "content": [{"type": "web_search_result", "url": "https://example.com/a", "title": "A", "encrypted_content": "Eqgf", "page_age": "2 days"}]},
    {"type": "text", "text": "Found it.", "citations": [{"type": "web_search_result_location", "url": "https://example.com/a", "title": "A", "encrypted_index": "Eo8B", "cited_text": "it"}]}]})";

constexpr std::string_view kSearchStream =
    "event: message_start\n"
    R"(data: {"type":"message_start","message":{"id":"msg_ws2","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":50,"output_tokens":1}}})"
    "\n\nevent: content_block_start\n"
    R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me search."}})"
    "\n\nevent: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":0})"
    "\n\nevent: content_block_start\n"
    R"(data: {"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"query\": \"q\"}"}})"
    "\n\nevent: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":1})"
    "\n\nevent: content_block_start\n"
    R"(data: {"type":"content_block_start","index":2,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[{"type":"web_search_result","url":"https://example.com/a","title":"A","encrypted_content":"Eqgf","page_age":"2 days"}]}})"
    "\n\nevent: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":2})"
    "\n\nevent: content_block_start\n"
    R"(data: {"type":"content_block_start","index":3,"content_block":{"type":"text","text":""}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":3,"delta":{"type":"citations_delta","citation":{"type":"web_search_result_location","url":"https://example.com/a","title":"A","encrypted_index":"Eo8B","cited_text":"it"}}})"
    "\n\nevent: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"Found it."}})"
    "\n\nevent: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":3})"
    "\n\nevent: message_delta\n"
    R"(data: {"type":"message_delta","delta":{"stop_reason":"pause_turn","stop_sequence":null},"usage":{"output_tokens":20}})"
    "\n\nevent: message_stop\n"
    R"(data: {"type":"message_stop"})"
    "\n\n";

TEST(AnthropicMessagesFidelity, AWebSearchAnswerReachesAnAnthropicClientAsItWas) {
  model::Request request = from_messages_api(kServerToolTurn);
  auto answer = adapter()->translate_response(request, UpstreamHead{200, {}}, kSearchAnswer);
  ASSERT_TRUE(answer) << answer.error().message;
  // OpenAI-shaped clients still get the text.
  EXPECT_EQ(answer->body.at("choices").at(0).at("message").at("content"),
            "Let me search.Found it.");
  json::value rendered =
      json::parse(api::anthropic::AnthropicApi{}.render_response(request, *answer));
  const json::value original = json::parse(kSearchAnswer);
  EXPECT_EQ(rendered.at("content"), original.at("content"));
  EXPECT_EQ(rendered.at("stop_reason"), "pause_turn");

  // Streamed, split at every byte: the same content events, and pause_turn.
  const auto expected = content_events(kSearchStream);
  for (std::size_t split = 0; split <= kSearchStream.size(); ++split) {
    auto events = translated(kSearchStream, split);
    model::Request streamed = streamed_turn();
    auto writer = api::anthropic::AnthropicApi{}.stream_writer(streamed);
    std::string sse;
    for (auto& e : events) sse += writer->event(e);
    sse += writer->end();
    ASSERT_EQ(content_events(sse), expected) << "split at " << split << ":\n" << sse;
    ASSERT_NE(sse.find(R"("stop_reason":"pause_turn")"), std::string::npos) << sse;
  }
}

}  // namespace
}  // namespace sluice::providers::anthropic

namespace sluice::providers::anthropic {
namespace {

TEST(AnthropicMessagesFidelity, AnEndpointMayAllowOnlySomeBetas) {
  ConfigMap config("test", "config");
  config.add("anthropic_api_key", {"sk-ant-test-abcdefghijklmnop", true, "test:1:1"});
  config.add("anthropic_betas",
             {"interleaved-thinking-2025-05-14, extended-cache-ttl-2025-04-11", true, "test:1:2"});
  AdapterSpec spec{"e", model::Operation::kChat, "claude-sonnet-4-5", &config};
  auto narrow = make_anthropic_adapter(spec).value();
  model::Request request = from_messages_api(
      R"({"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]})");
  request.anthropic_beta = "context-1m-2025-08-07,interleaved-thinking-2025-05-14";
  auto wire = narrow->translate_request(request);
  ASSERT_TRUE(wire);
  std::string sent;
  for (const auto& [k, v] : wire->headers) {
    if (k == "anthropic-beta") sent = v;
  }
  EXPECT_EQ(sent, "interleaved-thinking-2025-05-14");
  EXPECT_THAT(wire->dropped, ::testing::Contains("anthropic-beta:context-1m-2025-08-07"));
  // Without the key every beta goes on, as the client sent them.
  std::vector<std::string> dropped;
  EXPECT_EQ(adapter()->anthropic_beta(request.anthropic_beta, dropped), request.anthropic_beta);
  EXPECT_TRUE(dropped.empty());
}

}  // namespace
}  // namespace sluice::providers::anthropic

namespace sluice::providers::anthropic {
namespace {

// Found by review: an anthropic_block in a system message reached code that took its text as a
// string (a crash for {"text": 5}); and a block without a type went on unchecked.
TEST(AnthropicMessagesFidelity, AnthropicBlocksInTheWrongPlaceAreA400) {
  for (const char* block :
       {R"({"type": "text", "text": 5})", R"({"type": "document"})", R"({"type": "text"})"}) {
    auto request = api::openai::parse_request(
        model::Operation::kChat,
        std::string(
            R"({"model": "c", "messages": [{"role": "system", "content": [{"type": "anthropic_block", "block": )") +
            block + R"(}]}, {"role": "user", "content": "hi"}]})");
    ASSERT_TRUE(request) << block;
    auto wire = adapter()->translate_request(*request);
    ASSERT_FALSE(wire) << block;
    EXPECT_EQ(model::http_status(wire.error()), 400u) << block;
  }
  for (const char* block : {R"(5)", R"({})", R"({"type": 5})"}) {
    auto request = api::openai::parse_request(
        model::Operation::kChat,
        std::string(
            R"({"model": "c", "messages": [{"role": "user", "content": [{"type": "anthropic_block", "block": )") +
            block + "}]}]}");
    ASSERT_FALSE(request) << block;
    EXPECT_EQ(request.error().param, "messages[0].content[0].block.type") << block;
  }
}

// Found by review: what the anthropic provider keeps for Anthropic clients reached OpenAI clients.
TEST(AnthropicMessagesFidelity, OpenAiClientsGetNoneOfWhatIsKeptForAnthropicClients) {
  model::Request request = from_messages_api(kServerToolTurn);
  auto answer = adapter()->translate_response(request, UpstreamHead{200, {}}, kSearchAnswer);
  ASSERT_TRUE(answer);
  const std::string whole = api::openai::render_response(request, *answer);
  EXPECT_EQ(whole.find("anthropic_"), std::string::npos) << whole;
  model::Request streamed = streamed_turn();
  std::string sse;
  for (auto& e : translated(kSearchStream, kSearchStream.size()))
    sse += api::openai::render_stream_event(streamed, e);
  EXPECT_EQ(sse.find("anthropic_"), std::string::npos) << sse;
  EXPECT_NE(sse.find("Found it."), std::string::npos) << sse;
}

// Found by review: two text blocks in a row, the second cited, came out as one block with the
// citation on it.
TEST(AnthropicMessagesFidelity, CitedTextAfterTextStaysItsOwnBlock) {
  const std::string stream =
      "event: message_start\n"
      R"(data: {"type":"message_start","message":{"id":"msg_c","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}})"
      "\n\nevent: content_block_start\n"
      R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
      "\n\nevent: content_block_delta\n"
      R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Plain. "}})"
      "\n\nevent: content_block_stop\n"
      R"(data: {"type":"content_block_stop","index":0})"
      "\n\nevent: content_block_start\n"
      R"(data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})"
      "\n\nevent: content_block_delta\n"
      R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"x","document_index":0,"document_title":"d","start_char_index":0,"end_char_index":1}}})"
      "\n\nevent: content_block_delta\n"
      R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Cited."}})"
      "\n\nevent: content_block_stop\n"
      R"(data: {"type":"content_block_stop","index":1})"
      "\n\nevent: message_delta\n"
      R"(data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":4}})"
      "\n\nevent: message_stop\n"
      R"(data: {"type":"message_stop"})"
      "\n\n";
  const auto expected = content_events(stream);
  for (std::size_t split = 0; split <= stream.size(); split += 7) {
    model::Request request = streamed_turn();
    auto writer = api::anthropic::AnthropicApi{}.stream_writer(request);
    std::string sse;
    for (auto& e : translated(stream, split)) sse += writer->event(e);
    sse += writer->end();
    ASSERT_EQ(content_events(sse), expected) << "split at " << split << ":\n" << sse;
  }
}

}  // namespace
}  // namespace sluice::providers::anthropic

namespace sluice::providers::anthropic {
namespace {

// Found by review: a Gemini thought signature riding in a tool call's id (gemini/translate.hpp)
// reached other providers, which refuse such ids (Anthropic wants [A-Za-z0-9_-], OpenAI at most
// 40 characters): a route mixing Gemini with another provider broke at the switch.
TEST(AnthropicMessagesFidelity, GeminiThoughtSignaturesLeaveToolIdsForOtherProviders) {
  auto request = api::openai::parse_request(model::Operation::kChat, R"({"model": "c", "messages": [
    {"role": "user", "content": "x"},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_0__thought__CiQB+x/y==", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "call_0__thought__CiQB+x/y==", "content": "ok"}]})");
  ASSERT_TRUE(request);
  EXPECT_TRUE(request->anthropic_fields);
  std::vector<std::string> dropped;
  auto for_anthropic = request_for(*request, *adapter(), dropped);
  ASSERT_TRUE(for_anthropic);
  ASSERT_TRUE(*for_anthropic);
  const json::array& messages = (*for_anthropic)->body.at("messages").as_array();
  EXPECT_EQ(messages.at(1).at("tool_calls").at(0).at("id"), "call_0");
  EXPECT_EQ(messages.at(2).at("tool_call_id"), "call_0");
  // Gemini keeps them (its own signatures go back on its function calls).
  ConfigMap config("test", "config");
  config.add("gemini_api_key", {"AIza-test-0123456789", true, "test:1:1"});
  AdapterSpec spec{"g", model::Operation::kChat, "gemini-3-pro-preview", &config};
  auto gemini = make_adapter("gemini", spec);
  ASSERT_TRUE(gemini);
  auto for_gemini = request_for(*request, **gemini, dropped);
  ASSERT_TRUE(for_gemini);
  ASSERT_TRUE(*for_gemini);  // (without the Anthropic-only fields, of which there are none here)
  EXPECT_EQ((*for_gemini)->body.at("messages").at(2).at("tool_call_id"),
            "call_0__thought__CiQB+x/y==");
}

}  // namespace
}  // namespace sluice::providers::anthropic

namespace sluice::providers::anthropic {
namespace {

// Found by a hostile probe: a PDF sent as OpenAI's `file` part (or the Responses API's
// input_file) was a 400 for Anthropic, which reads PDFs as document blocks.
TEST(AnthropicMessagesFidelity, FilePartsBecomeDocumentBlocks) {
  auto request = api::openai::parse_request(model::Operation::kChat, R"({"model": "c", "messages": [
    {"role": "user", "content": [
      {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0x", "filename": "spec.pdf"}, "cache_control": {"type": "ephemeral"}},
      {"type": "file", "file": {"file_data": "data:text/plain;base64,aGVsbG8=", "filename": "notes.txt"}},
      {"type": "file", "file": {"file_url": "https://example.com/a.pdf"}},
      {"type": "text", "text": "Compare them."}]}]})");
  ASSERT_TRUE(request);
  EXPECT_EQ(sent(*request).at("messages").at(0).at("content"), json::parse(R"([
    {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"}, "title": "spec.pdf", "cache_control": {"type": "ephemeral"}},
    {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "hello"}, "title": "notes.txt"},
    {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
    {"type": "text", "text": "Compare them."}])"));
  for (const char* file :
       {R"({"file_id": "file-abc"})", R"({"file_data": "data:image/png;base64,iVBO"})",
        R"({"file_data": "not a data url"})"}) {
    auto bad = api::openai::parse_request(
        model::Operation::kChat,
        std::string(
            R"({"model": "c", "messages": [{"role": "user", "content": [{"type": "file", "file": )") +
            file + "}]}]}");
    ASSERT_TRUE(bad) << file;
    auto wire = adapter()->translate_request(*bad);
    ASSERT_FALSE(wire) << file;
    EXPECT_EQ(model::http_status(wire.error()), 400u) << file;
  }
}

}  // namespace
}  // namespace sluice::providers::anthropic
