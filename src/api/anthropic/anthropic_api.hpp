#pragma once
// Anthropic's Messages API for clients (POST /v1/messages, /v1/messages/count_tokens): requests in
// Anthropic's shape become the internal (OpenAI-dialect) request, so any endpoint of any provider
// can answer; answers, streams and errors go back in Anthropic's shapes
// (https://docs.anthropic.com/en/api/messages).

#include <cstdint>

#include "api/inbound.hpp"

namespace sluice::api::anthropic {

class AnthropicApi : public InboundApi {
 public:
  std::string_view name() const override { return "anthropic"; }
  Result<void> parse(model::Operation operation, std::string_view body,
                     model::Request& out) const override;
  std::string render_response(const model::Request& request,
                              model::Response& response) const override;
  // Anthropic's stream needs state between events: see stream_writer. These serve no stream.
  std::string render_stream_event(const model::Request&, model::StreamEvent&) const override {
    return {};
  }
  std::string_view stream_end() const override { return {}; }
  std::string render_error(const Error& error) const override;
  std::string render_stream_error(const Error& error) const override;
  std::unique_ptr<StreamWriter> stream_writer(const model::Request& request) const override;
};

// Anthropic's error `type` for an error's HTTP status.
std::string_view error_type(const Error& error);

// POST /v1/messages/count_tokens: an estimate of the request's input tokens (about four
// characters a token, plus a few per message), until an exact tokenizer for each model exists.
Result<std::uint64_t> estimate_input_tokens(std::string_view body);

}  // namespace sluice::api::anthropic
