#pragma once
// OpenAI's Responses API for clients (POST /v1/responses; https://platform.openai.com/docs/api-
// reference/responses): a request in the Responses shape becomes the internal (OpenAI chat)
// request, so any chat endpoint of any provider answers it; the answer goes back as a Response
// object, a stream as the Responses event sequence (response.created … response.completed), an
// error in OpenAI's error shape.
//
// Stateless here: the client sends the whole conversation each turn (`store: false`, as Codex
// does). `store` and `previous_response_id` are recorded in model::Request::responses for the
// handler, which keeps responses when the gateway has a response store (pipeline/handler/
// stored_responses.cpp) and refuses them otherwise. `conversation`, `prompt`, `background` and
// item references are a 400 saying so.
//
// Reasoning: a provider's thinking comes back as a `reasoning` item (its text as the summary);
// Anthropic's signed thinking blocks ride in the item's `encrypted_content` (opaque to the client,
// as OpenAI's own), so a client that sends the item back on the next turn of a tool loop gives
// Anthropic its thinking blocks back unchanged.

#include "api/inbound.hpp"

namespace sluice::api::responses {

class ResponsesApi : public InboundApi {
 public:
  std::string_view name() const override { return "responses"; }
  // Only model::Operation::kChat: the Responses API is a chat API.
  Result<void> parse(model::Operation operation, std::string_view body,
                     model::Request& out) const override;
  std::string render_response(const model::Request& request,
                              model::Response& response) const override;
  // The Responses stream needs state between events: see stream_writer. These serve no stream.
  std::string render_stream_event(const model::Request&, model::StreamEvent&) const override {
    return {};
  }
  std::string_view stream_end() const override { return {}; }
  std::string render_error(const Error& error) const override;
  std::string render_stream_error(const Error& error) const override;
  std::unique_ptr<StreamWriter> stream_writer(const model::Request& request) const override;
};

// What a reasoning item's `encrypted_content` carries for the thinking blocks of `blocks` (a
// JSON array of Anthropic thinking/redacted_thinking blocks), and the blocks read back from it
// (nullopt: not ours — another provider's encrypted reasoning, which no other provider takes).
std::string seal_thinking_blocks(const boost::json::array& blocks);
std::optional<boost::json::array> open_thinking_blocks(std::string_view encrypted_content);

}  // namespace sluice::api::responses
