#pragma once
// An inbound API: one dialect clients speak to sluice (OpenAI's, MLflow's, later Anthropic's).
// It turns request bodies into the internal request and internal answers, stream events and
// errors back into its own wire shapes. Implementations are stateless and shared by all threads.

#include <string>
#include <string_view>

#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::api {

class InboundApi {
 public:
  virtual ~InboundApi() = default;
  virtual std::string_view name() const = 0;  // "openai", "mlflow"
  // Parses a body for `operation` into `out` (allocating in out.body's storage).
  virtual Result<void> parse(model::Operation operation, std::string_view body,
                             model::Request& out) const = 0;
  virtual std::string render_response(const model::Request& request,
                                      model::Response& response) const = 0;
  // One SSE frame for the event, or "" when the event is not for this client.
  virtual std::string render_stream_event(const model::Request& request,
                                          model::StreamEvent& event) const = 0;
  // What ends a successful stream ("data: [DONE]\n\n" for OpenAI; nothing for MLflow).
  virtual std::string_view stream_end() const = 0;
  virtual std::string render_error(const Error& error) const = 0;
  // The error as the last event of a stream whose headers have gone out.
  virtual std::string render_stream_error(const Error& error) const = 0;
};

}  // namespace sluice::api
