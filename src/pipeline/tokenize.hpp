#pragma once
// POST /v1/tokenize: the gateway's tokenizer over HTTP.
//   {"model": "<endpoint or OpenAI model>" | "encoding": "o200k_base",
//    "input": "text" | ["text", …] | "messages": [chat messages], "allow_special": false}
// → {"object": "tokenize", "encoding", "model", "count", "tokens" (for input), "exact"}.
// `exact` is false when the model is not an OpenAI model: the count is then an estimate with
// OpenAI's tokenizer, and the provider's reported usage is what gets billed.

#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "model/error.hpp"

namespace sluice::pipeline {

// `workspace`: the caller's (config/workspace.hpp); an endpoint it may not see is read as a
// plain model name, as a name that is no endpoint is.
Result<std::string> tokenize(std::string_view body, const config::Snapshot& snapshot,
                             std::string_view workspace = "");

// Whether `model` is one of OpenAI's, whose tokenizer (tiktoken's encodings) is known exactly.
bool is_openai_model(std::string_view model);

}  // namespace sluice::pipeline
