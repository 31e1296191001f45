#pragma once
// Inbound OpenAI API: request bodies of /v1/chat/completions, /v1/completions and /v1/embeddings
// → the internal request. Only the fields sluice relies on are checked (a bad one is a 400 that
// names it, as OpenAI does); every other field passes through to the provider untouched.

#include <string>
#include <string_view>

#include "model/error.hpp"
#include "model/request.hpp"

namespace sluice::api::openai {

// Parses into `out`, allocating in out.body's storage (the request's arena on the hot path).
Result<void> parse_request_into(model::Operation operation, std::string_view body,
                                model::Request& out);
// The same, into a new Request with default storage.
Result<model::Request> parse_request(model::Operation operation, std::string_view body);

// OpenAI's 400s for a request field, as its API words them (also used by the Responses API):
// "Missing required parameter: 'x'." (code missing_required_parameter) and "Invalid type for
// 'x': expected <expected>." (code invalid_type), with `param` set to the field's path.
Error missing_parameter(const std::string& param);
Error invalid_type(const std::string& param, std::string_view expected);

}  // namespace sluice::api::openai
