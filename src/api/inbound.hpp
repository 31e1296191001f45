#pragma once
// An inbound API: one dialect clients speak to sluice (OpenAI's, MLflow's, Anthropic's).
// It turns request bodies into the internal request and internal answers, stream events and
// errors back into its own wire shapes. Implementations are stateless and shared by all threads.

#include <memory>
#include <string>
#include <string_view>

#include "api/error_renderer.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::api {

// Writes one response stream in the client's shape. Made per request, so it may keep state
// between events (Anthropic's stream opens and closes content blocks around the deltas).
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // The SSE frames for one event ("" when the event is not for this client).
  virtual std::string event(model::StreamEvent& event) = 0;
  // What ends a successful stream.
  virtual std::string end() = 0;
  // The error as the last event of a stream whose headers have gone out.
  virtual std::string error(const Error& error) = 0;
};

class InboundApi : public ErrorRenderer {
 public:
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
  // The writer for one stream; by default the three stateless calls above.
  virtual std::unique_ptr<StreamWriter> stream_writer(const model::Request& request) const;
};

}  // namespace sluice::api
