#pragma once
// Prompt tokens of an OpenAI-dialect request body, counted with the model's encoding: the exact
// count for OpenAI chat models (message overhead as OpenAI's cookbook documents it: 3 tokens per
// message, 1 more for a name, 3 to prime the reply), the best estimate for other models.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/request.hpp"
#include "tokenizer/encoding.hpp"

namespace sluice::tokenizer {

// Chat messages (text parts; images and tool definitions are not counted), a completions
// prompt, or embeddings input, by the operation.
std::uint64_t count_prompt_tokens(const Encoding& encoding, model::Operation operation,
                                  const boost::json::object& body);

// The completion tokens the request may produce at most: max_completion_tokens, max_tokens or
// 0 when it sets neither (times n for several choices).
std::uint64_t max_completion_tokens(const boost::json::object& body);
// The output cap of a body in a provider's own shape (the passthrough, the raw proxy): OpenAI
// chat's max_completion_tokens or max_tokens, the Responses API's max_output_tokens,
// Anthropic's max_tokens, Gemini's generationConfig.maxOutputTokens; 0 when it gives none;
// times n (OpenAI) or generationConfig.candidateCount (Gemini) for several choices.
std::uint64_t native_max_output_tokens(const boost::json::object& body);

// Appends the text a streamed chunk carries (chat deltas, completion text, tool arguments), for
// counting completion tokens when the provider reports no usage.
void append_streamed_text(const boost::json::object& chunk, std::string& out);  // or an answer

}  // namespace sluice::tokenizer
