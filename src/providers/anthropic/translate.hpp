#pragma once
// Anthropic's Messages API ⇄ the internal (OpenAI-dialect) model, as pure functions of JSON so
// the adapter, the stream translator and their tests share them
// (https://docs.anthropic.com/en/api/messages).

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::providers::anthropic {

struct RequestOptions {
  std::string model;               // the provider's model name
  bool reject_unsupported = true;  // false: drop semantics-changing parameters too
};

struct MessagesRequest {
  boost::json::object body;
  std::vector<std::string> dropped;  // OpenAI parameters left out (named in a response header)
};

// An OpenAI chat (or completions, as one user message) request → a Messages API request body.
Result<MessagesRequest> to_messages_request(const model::Request& request,
                                            const RequestOptions& options);

// The `max_tokens` Anthropic requires, when the request has none: the model's output limit.
std::uint64_t default_max_tokens(std::string_view model);

// Anthropic's stop_reason → OpenAI's finish_reason.
std::string_view finish_reason(std::string_view stop_reason);

// What an OpenAI finish reason cannot say, on the chat choice for Anthropic-shaped clients:
// `anthropic_stop_reason` when it is not end_turn, max_tokens or tool_use (pause_turn, refusal,
// stop_sequence, model_context_window_exceeded), `anthropic_stop_sequence` when one matched.
// `message` is a Messages answer or a stream's message_delta `delta`.
void add_stop_details(const boost::json::object& message, boost::json::object& choice);

// Anthropic's usage object → the internal usage (prompt tokens include cached ones, as OpenAI's).
model::Usage usage_from_anthropic(const boost::json::object& usage);

// A Messages API response → chat.completion (or text_completion for completions).
Result<model::Response> from_message(const model::Request& request, boost::json::object message,
                                     std::string_view provider);

}  // namespace sluice::providers::anthropic
