// The Responses API's translation to and from the internal (chat) request and answer, and its
// stream events (api/responses/responses_api.hpp).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/responses/responses_api.hpp"
#include "model/stream_assembly.hpp"

namespace sluice::api::responses {
namespace {

namespace json = boost::json;

model::Request parsed(std::string_view body) {
  model::Request request;
  auto r = ResponsesApi{}.parse(model::Operation::kChat, body, request);
  EXPECT_TRUE(r) << r.error().message;
  return request;
}

Error refused(std::string_view body) {
  model::Request request;
  auto r = ResponsesApi{}.parse(model::Operation::kChat, body, request);
  EXPECT_FALSE(r) << body;
  return r ? Error{} : r.error();
}

TEST(ResponsesApi, ItemsBecomeChatMessagesInOrder) {
  const std::string sealed = seal_thinking_blocks(
      json::parse(R"([{"type": "thinking", "thinking": "Hm.", "signature": "sig"}])").as_array());
  model::Request r = parsed(std::string(R"({"model": "m", "instructions": "Be brief.",
    "max_output_tokens": 50, "reasoning": {"effort": "high"}, "stream": true,
    "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}, "strict": true}},
    "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
    "tool_choice": {"type": "function", "name": "f"},
    "input": [
      {"role": "user", "content": [{"type": "input_text", "text": "Look:"}, {"type": "input_image", "image_url": "https://x/y.png", "detail": "low"}]},
      {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Hm."}], "encrypted_content": ")") +
                            sealed + R"("},
      {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Calling."}]},
      {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
      {"type": "function_call", "call_id": "c2", "name": "f", "arguments": "{\"a\":1}"},
      {"type": "function_call_output", "call_id": "c1", "output": "one"},
      {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "t"}, {"type": "input_text", "text": "wo"}]}
    ]})");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.endpoint, "m");
  EXPECT_EQ(json::value(r.body.at("messages")), json::parse(R"([
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "text", "text": "Look:"}, {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}}]},
    {"role": "assistant", "content": "Calling.", "reasoning_content": "Hm.",
     "thinking_blocks": [{"type": "thinking", "thinking": "Hm.", "signature": "sig"}],
     "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                    {"id": "c2", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "one"},
    {"role": "tool", "tool_call_id": "c2", "content": "two"}])"));
  EXPECT_EQ(r.body.at("max_completion_tokens"), 50);
  EXPECT_EQ(r.body.at("reasoning_effort"), "high");
  EXPECT_EQ(json::value(r.body.at("response_format")), json::parse(R"(
    {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": true}})"));
  EXPECT_EQ(json::value(r.body.at("tools")), json::parse(R"(
    [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])"));
  EXPECT_EQ(json::value(r.body.at("tool_choice")),
            json::parse(R"({"type": "function", "function": {"name": "f"}})"));
  EXPECT_TRUE(r.anthropic_fields);  // thinking blocks for the anthropic provider
}

TEST(ResponsesApi, WhatCannotBeServedIsA400NamingIt) {
  for (
      auto [body, param] : {
          std::pair{R"({"input": "x"})", "model"},
          std::pair{R"({"model": "m"})", "input"},
          std::pair{R"({"model": "m", "input": 5})", "input"},
          std::pair{R"({"model": "m", "input": []})", "input"},
          std::pair{R"({"model": "m", "input": "x", "store": "yes"})", "store"},
          std::pair{R"({"model": "m", "input": "x", "background": true})", "background"},
          std::pair{R"({"model": "m", "input": "x", "previous_response_id": ""})",
                    "previous_response_id"},
          std::pair{R"({"model": "m", "input": "x", "previous_response_id": 5})",
                    "previous_response_id"},
          std::pair{R"({"model": "m", "input": "x", "conversation": "conv_1"})", "conversation"},
          std::pair{R"({"model": "m", "input": "x", "tools": [{"type": "file_search"}]})",
                    "tools[0].type"},
          std::pair{R"({"model": "m", "input": "x", "tool_choice": "sometimes"})", "tool_choice"},
          std::pair{R"({"model": "m", "input": "x", "max_output_tokens": 0})", "max_output_tokens"},
          std::pair{R"({"model": "m", "input": "x", "text": {"format": {"type": "xml"}}})",
                    "text.format.type"},
          std::pair{R"({"model": "m", "input": [{"type": "computer_call"}]})", "input[0].type"},
          std::pair{R"({"model": "m", "input": [{"role": "tool", "content": "x"}]})",
                    "input[0].role"},
          std::pair{
              R"({"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]})",
              "input[0].content[0]"},
          std::pair{
              R"({"model": "m", "input": [{"type": "function_call", "name": "f", "arguments": "{}"}]})",
              "input[0].call_id"},
          std::pair{R"({"model": "m", "input": "x", "temprature": 1})", "temprature"},
      }) {
    EXPECT_EQ(refused(body).param, param) << body;
  }
  // store: false, as Codex sends it, is what is served.
  parsed(
      R"({"model": "m", "input": "x", "store": false, "include": ["reasoning.encrypted_content"]})");
}

// store and previous_response_id are the handler's to act on (a store kept or not): parse only
// records them, and whether the first message is the instructions, which a next turn drops.
TEST(ResponsesApi, StoredResponseFieldsAreRecordedNotSent) {
  model::Request r = parsed(
      R"({"model": "m", "instructions": "be brief", "input": "x", "store": true, "previous_response_id": "resp_9"})");
  EXPECT_EQ(r.responses.store, std::optional<bool>(true));
  EXPECT_EQ(r.responses.previous_id, "resp_9");
  EXPECT_TRUE(r.responses.instructions);
  EXPECT_FALSE(r.body.contains("store"));
  EXPECT_FALSE(r.body.contains("previous_response_id"));
  model::Request plain = parsed(R"({"model": "m", "input": "x"})");
  EXPECT_FALSE(plain.responses.store.has_value());
  EXPECT_TRUE(plain.responses.previous_id.empty());
  EXPECT_FALSE(plain.responses.instructions);
}

// A Response echoes the id the handler chose, previous_response_id, store and the instructions.
TEST(ResponsesApi, AStoredResponseEchoesItsIdAndWhatItContinues) {
  model::Request r = parsed(
      R"({"model": "m", "instructions": "be brief", "input": "x", "previous_response_id": "resp_9"})");
  r.responses.id = "resp_0123";
  r.responses.stored = true;
  model::Response answer;
  answer.body = json::parse(R"({"id": "chatcmpl-1", "choices": [{"index": 0,
    "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]})")
                    .as_object();
  const json::object out = json::parse(ResponsesApi().render_response(r, answer)).as_object();
  EXPECT_EQ(out.at("id"), "resp_0123");
  EXPECT_EQ(out.at("store"), true);
  EXPECT_EQ(out.at("previous_response_id"), "resp_9");
  EXPECT_EQ(out.at("instructions"), "be brief");
  EXPECT_EQ(out.at("output").as_array()[0].at("id"), "msg_0123_0");
}

TEST(ResponsesApi, SealedThinkingBlocksRoundTripAndOthersEncryptedReasoningIsLeftOut) {
  const json::array blocks =
      json::parse(R"([{"type": "thinking", "thinking": "a", "signature": "s"},
    {"type": "redacted_thinking", "data": "d"}])")
          .as_array();
  auto opened = open_thinking_blocks(seal_thinking_blocks(blocks));
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, blocks);
  EXPECT_FALSE(open_thinking_blocks("gAAAAABopenai-encrypted"));
  EXPECT_FALSE(open_thinking_blocks("sluice.thinking.v1.not base64!"));
  model::Request r = parsed(R"({"model": "m", "input": [
    {"type": "reasoning", "summary": [], "encrypted_content": "gAAAAABopenai-encrypted"},
    {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
    {"type": "function_call_output", "call_id": "c", "output": "x"}]})");
  EXPECT_FALSE(r.body.at("messages").at(0).as_object().contains("thinking_blocks"));
}

// What the anthropic provider gives for a thinking turn that calls a tool, in chat shape.
constexpr std::string_view kThinkingAnswer =
    R"({"id": "msg_01", "created": 7, "choices": [{"index": 0,
  "finish_reason": "tool_calls", "message": {"role": "assistant", "content": "Let me look.",
  "reasoning_content": "Hm.", "thinking_blocks": [{"type": "thinking", "thinking": "Hm.", "signature": "sig"}],
  "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}]}}]})";

TEST(ResponsesApi, AWholeAnswerAndItsStreamGiveTheSameResponse) {
  model::Request request = parsed(R"({"model": "claude", "input": "x"})");
  model::Response whole;
  whole.body = json::parse(kThinkingAnswer).as_object();
  whole.usage.prompt_tokens = 10;
  whole.usage.completion_tokens = 5;
  json::value rendered = json::parse(ResponsesApi{}.render_response(request, whole));
  EXPECT_EQ(rendered.at("id"), "resp_01");
  EXPECT_EQ(rendered.at("status"), "completed");
  const json::array& output = rendered.at("output").as_array();
  ASSERT_EQ(output.size(), 3u) << rendered;
  EXPECT_EQ(output[0].at("type"), "reasoning");
  EXPECT_EQ(output[0].at("summary").at(0).at("text"), "Hm.");
  EXPECT_EQ(json::value(*open_thinking_blocks(output[0].at("encrypted_content").as_string())),
            whole.body.at("choices").at(0).at("message").at("thinking_blocks"));
  EXPECT_EQ(output[1].at("content").at(0).at("text"), "Let me look.");
  EXPECT_EQ(output[2].at("type"), "function_call");
  EXPECT_EQ(output[2].at("call_id"), "toolu_1");
  EXPECT_EQ(output[2].at("arguments"), "{\"a\":1}");
  EXPECT_EQ(rendered.at("usage").at("total_tokens"), 15);

  // Streamed: the same answer as deltas, the signature as a thinking block without text.
  auto writer = ResponsesApi{}.stream_writer(request);
  std::string sse;
  for (auto& e : model::split_response(whole, model::Operation::kChat)) sse += writer->event(e);
  sse += writer->end();
  std::vector<json::object> events;
  std::vector<std::string> types;
  for (std::size_t at = sse.find("data: "); at != std::string::npos;
       at = sse.find("data: ", at + 1)) {
    events.push_back(json::parse(sse.substr(at + 6, sse.find('\n', at) - at - 6)).as_object());
    types.emplace_back(events.back().at("type").as_string());
  }
  ASSERT_FALSE(events.empty());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].at("sequence_number"), i);
  EXPECT_EQ(types.front(), "response.created");
  EXPECT_EQ(types.back(), "response.completed");
  EXPECT_EQ(std::count(types.begin(), types.end(), "response.output_item.added"), 3);
  EXPECT_EQ(std::count(types.begin(), types.end(), "response.output_item.done"), 3);
  json::object completed = events.back().at("response").as_object();
  // Created at and ids may differ between the two renderings; the output items may not.
  EXPECT_EQ(completed.at("output"), rendered.at("output"));
  EXPECT_EQ(completed.at("usage"), rendered.at("usage"));
}

TEST(ResponsesApi, ACutShortAnswerIsIncomplete) {
  model::Request request = parsed(R"({"model": "m", "input": "x", "max_output_tokens": 3})");
  model::Response whole;
  whole.body =
      json::parse(R"({"id": "chatcmpl-1", "choices": [{"index": 0, "finish_reason": "length",
    "message": {"role": "assistant", "content": "abc"}}]})")
          .as_object();
  json::value rendered = json::parse(ResponsesApi{}.render_response(request, whole));
  EXPECT_EQ(rendered.at("status"), "incomplete");
  EXPECT_EQ(rendered.at("incomplete_details").at("reason"), "max_output_tokens");
  EXPECT_EQ(rendered.at("max_output_tokens"), 3);
}

}  // namespace
}  // namespace sluice::api::responses

namespace sluice::api::responses {
namespace {

// Found by review: a second reasoning item in one turn replaced the first's signed blocks, and a
// forged sealed block could carry other fields to Anthropic.
TEST(ResponsesApi, ReasoningItemsOfOneTurnAddUpAndForgedBlocksAreNotOpened) {
  auto sealed = [](std::string_view blocks) {
    return seal_thinking_blocks(json::parse(blocks).as_array());
  };
  model::Request r =
      parsed(std::string(R"({"model": "m", "input": [
    {"role": "user", "content": "x"},
    {"type": "reasoning", "summary": [{"type": "summary_text", "text": "A."}], "encrypted_content": ")") +
             sealed(R"([{"type": "thinking", "thinking": "A.", "signature": "sa"}])") +
             R"("},
    {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
    {"type": "reasoning", "summary": [{"type": "summary_text", "text": "B."}], "encrypted_content": ")" +
             sealed(R"([{"type": "thinking", "thinking": "B.", "signature": "sb"}])") +
             R"("},
    {"type": "function_call", "call_id": "c2", "name": "f", "arguments": "{}"},
    {"type": "function_call_output", "call_id": "c1", "output": "1"},
    {"type": "function_call_output", "call_id": "c2", "output": "2"}]})");
  const json::object& turn = r.body.at("messages").at(1).as_object();
  EXPECT_EQ(turn.at("reasoning_content"), "A.B.");
  EXPECT_EQ(turn.at("thinking_blocks").as_array().size(), 2u);
  EXPECT_EQ(turn.at("tool_calls").as_array().size(), 2u);
  EXPECT_FALSE(open_thinking_blocks(sealed(
      R"([{"type": "thinking", "thinking": "t", "signature": "s", "cache_control": {"type": "ephemeral"}}])")));
  EXPECT_FALSE(
      open_thinking_blocks(sealed(R"([{"type": "thinking", "thinking": 5, "signature": "s"}])")));
  EXPECT_FALSE(open_thinking_blocks(sealed(R"([{"type": "redacted_thinking", "data": 1}])")));
  // tool_choice and parallel_tool_calls without tools are left out (chat refuses the pair).
  model::Request plain = parsed(
      R"({"model": "m", "input": "x", "tool_choice": "auto", "parallel_tool_calls": false})");
  EXPECT_FALSE(plain.body.contains("tool_choice"));
  EXPECT_FALSE(plain.body.contains("parallel_tool_calls"));
}

}  // namespace
}  // namespace sluice::api::responses

namespace sluice::api::responses {
namespace {

// Found by a hostile probe: a sealed reasoning item that does not open was dropped without a
// word, a reasoning item before a user message went to a later turn, and a refusal sent back
// left an empty assistant turn.
TEST(ResponsesApi, SealsThatDoNotOpenRefusalsAndStrayReasoning) {
  for (const char* sealed : {"sluice.thinking.v1.!!!", "sluice.thinking.v1.InN0ciI="}) {
    Error e = refused(
        std::string(R"({"model": "m", "input": [{"role": "user", "content": "x"},
      {"type": "reasoning", "summary": [], "encrypted_content": ")") +
        sealed +
        R"("}, {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}]})");
    EXPECT_EQ(e.param, "input[1].encrypted_content") << sealed;
  }
  model::Request r = parsed(R"({"model": "m", "input": [
    {"role": "user", "content": "x"}, {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Stray."}]},
    {"role": "user", "content": "y"}, {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't."}]},
    {"role": "user", "content": "z"}]})");
  const json::object& assistant = r.body.at("messages").at(2).as_object();
  EXPECT_EQ(assistant.at("content"), "I can't.");
  EXPECT_FALSE(assistant.contains("reasoning_content"));
  EXPECT_EQ(refused(R"({"model": "m", "input": "x", "user": 5})").param, "user");
  EXPECT_EQ(refused(R"({"model": "m", "input": "x", "store": "no"})").param, "store");
}

}  // namespace
}  // namespace sluice::api::responses
