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

// Appends the text a streamed chunk carries (chat deltas, completion text, tool arguments), for
// counting completion tokens when the provider reports no usage.
void append_streamed_text(const boost::json::object& chunk, std::string& out);  // or an answer

}  // namespace sluice::tokenizer
