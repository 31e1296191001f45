#pragma once
// The internal response and stream events, in OpenAI's dialect (see request.hpp for why).

#include <boost/json/object.hpp>
#include <string>

#include "model/usage.hpp"

namespace sluice::model {

struct Response {
  boost::json::object body;  // chat.completion / text_completion / list of embeddings
  Usage usage;               // extracted in the same parse as the body
  // The provider's bytes when they already are OpenAI's dialect; rendered as they are instead of
  // re-serializing `body`. Whoever changes `body` must clear it.
  std::string raw;
};

struct StreamEvent {
  enum class Kind {
    kChunk,  // one chat.completion.chunk / text_completion chunk (`chunk`), may carry usage
    kUsage,  // usage only (OpenAI's final `choices: []` chunk); rendered only if the client asked
  };
  Kind kind = Kind::kChunk;
  boost::json::object chunk;
  Usage usage;
};

}  // namespace sluice::model
