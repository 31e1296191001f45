#pragma once
#include "api/inbound.hpp"

namespace sluice::api::openai {

// The OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/embeddings).
class OpenAiApi : public InboundApi {
 public:
  std::string_view name() const override { return "openai"; }
  Result<void> parse(model::Operation operation, std::string_view body,
                     model::Request& out) const override;
  std::string render_response(const model::Request& request,
                              model::Response& response) const override;
  std::string render_stream_event(const model::Request& request,
                                  model::StreamEvent& event) const override;
  std::string_view stream_end() const override;
  std::string render_error(const Error& error) const override;
  std::string render_stream_error(const Error& error) const override;
};

}  // namespace sluice::api::openai
