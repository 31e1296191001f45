#pragma once
// The Anthropic-only fields an Anthropic Messages client's request keeps in the internal form
// (model::Request::anthropic_fields): cache_control on content parts, messages and tools;
// thinking_blocks and reasoning_content on assistant messages; is_error on tool messages. Only
// the anthropic provider takes them (ProviderAdapter::takes_anthropic_fields); the others get
// the request without them.

#include <string>
#include <vector>

#include "model/request.hpp"

namespace sluice::providers {

// A copy of `request` (its body in the same storage) without the fields above; the names it took
// out, once each, are appended to `dropped` (the x-sluice-dropped-params header).
model::Request without_anthropic_fields(const model::Request& request,
                                        std::vector<std::string>& dropped);

}  // namespace sluice::providers
