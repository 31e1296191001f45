#pragma once
// Turns a recorded stream into the whole answer it adds up to, and a whole answer into the
// stream that delivers it, both in the internal (OpenAI) shapes: chat.completion.chunk ↔
// chat.completion, text_completion chunks ↔ text_completion. Used when a policy answers in the
// provider's place with the other form than the client asked for (a cached stream for a
// non-streamed request, a cached answer for a streamed one).

#include <vector>

#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::model {

// Choices are joined by `index`: content and text concatenated, tool calls by their index (id,
// name and arguments pieces joined), the last non-null finish_reason kept; id, model and created
// from the first chunk; usage from the last event that has it. Thinking (Anthropic's, as the
// anthropic provider streams it): `reasoning_content` pieces concatenated; a `thinking_blocks`
// delta of a thinking block without text (its signature) closes the block made of the
// reasoning_content since the previous one; blocks with text, and redacted ones, are kept as
// they come.
Response assemble_response(const std::vector<StreamEvent>& events, Operation operation);

// One chunk per choice carrying its whole message (role, content, tool calls) and finish reason,
// then a usage event when the answer has usage.
std::vector<StreamEvent> split_response(const Response& response, Operation operation);

}  // namespace sluice::model
