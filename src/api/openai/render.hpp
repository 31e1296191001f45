#pragma once
// Outbound OpenAI API: internal responses, stream events and errors → OpenAI's wire shapes.

#include <functional>
#include <string>

#include "config/snapshot.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::api::openai {

// Body of a non-streamed answer. Embeddings asked for as base64 and given as float arrays by
// the provider are encoded here (little-endian float32, as OpenAI does).
std::string render_response(const model::Request& request, model::Response& response);

// One SSE frame ("data: …\n\n") for an event, or "" when the event is not for this client
// (a usage-only chunk the client did not ask for).
std::string render_stream_event(const model::Request& request, model::StreamEvent& event);
inline constexpr std::string_view kStreamDone = "data: [DONE]\n\n";

// One server-sent event with an `event:` line, as Anthropic's and the Responses API's streams
// frame theirs: "event: <type>\ndata: <data as JSON>\n\n".
std::string named_event_frame(std::string_view type, const boost::json::object& data);

// Takes out of a chat answer or chunk what the anthropic provider keeps for Anthropic-shaped
// clients only (providers/anthropic/translate.hpp: anthropic_content, anthropic_event,
// anthropic_stop_reason, anthropic_stop_sequence); true when a chunk carried nothing else (it is
// not for this client).
bool strip_anthropic_extras(boost::json::object& body);

// {"error": {"message", "type", "param", "code"}}
std::string render_error(const Error& error);
// The same error as an SSE frame, ending a stream whose headers have already gone out.
std::string render_stream_error(const Error& error);

// GET /v1/models
// The endpoints as OpenAI's model list; `visible` (when given) leaves out the others.
std::string render_models(const config::Snapshot& snapshot,
                          const std::function<bool(const config::Endpoint&)>& visible = {});

}  // namespace sluice::api::openai
