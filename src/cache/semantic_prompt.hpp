#pragma once
// What the semantic cache compares (config/cache.hpp, mode semantic): the text that is embedded,
// and the context that must match exactly besides it.

#include <optional>
#include <string>

#include "config/cache.hpp"
#include "model/request.hpp"

namespace sluice::cache {

struct SemanticPrompt {
  // The last user turn. (Only it: folded into one embedding, a different system prompt would
  // barely move the vector, and would then answer with another persona's answer.)
  std::string text;
  // 64 hex: everything else that changes the answer (cache_key.hpp's rules), the system prompt
  // (unless ignore_system) and the earlier turns included, which must all match exactly.
  std::string context;
};

// nullopt when the request is not one the semantic cache looks up: not chat, more than
// max_messages messages, a last turn not from the user, tool calls or results, anything but text
// (images, files, audio), or a temperature above only_when.temperature_max (0 when not set).
// `identity` and `scope` as for cache_key().
std::optional<SemanticPrompt> semantic_prompt(const model::Request& request,
                                              const config::CacheSpec& spec,
                                              std::string_view identity, std::string_view scope);

}  // namespace sluice::cache
