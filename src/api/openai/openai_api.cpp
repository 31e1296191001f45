#include "api/openai/openai_api.hpp"

#include "api/openai/parse.hpp"
#include "api/openai/render.hpp"

namespace sluice::api::openai {

Result<void> OpenAiApi::parse(model::Operation operation, std::string_view body,
                              model::Request& out) const {
  return parse_request_into(operation, body, out);
}

std::string OpenAiApi::render_response(const model::Request& request,
                                       model::Response& response) const {
  return openai::render_response(request, response);
}

std::string OpenAiApi::render_stream_event(const model::Request& request,
                                           model::StreamEvent& event) const {
  return openai::render_stream_event(request, event);
}

std::string_view OpenAiApi::stream_end() const { return kStreamDone; }

std::string OpenAiApi::render_error(const Error& error) const {
  return openai::render_error(error);
}

std::string OpenAiApi::render_stream_error(const Error& error) const {
  return openai::render_stream_error(error);
}

}  // namespace sluice::api::openai
