#pragma once
// The Anthropic-only fields the internal form may carry (model::Request::anthropic_fields):
// cache_control on content parts, messages, tool calls and tools; thinking_blocks and
// reasoning_content on assistant messages; is_error, and content of text and image parts, on
// tool messages; `anthropic_block` content parts (a block sluice does not translate — a PDF
// document, a search result, a server tool's use and result — verbatim in `block`);
// `anthropic_tool` tools (a server tool, verbatim in `tool`); top-level `container`,
// `mcp_servers` and service_tier "standard_only". The same flag marks tool-call ids carrying a
// Gemini thought signature (after "__thought__", gemini/translate.hpp), which only Gemini reads:
// every other provider gets the ids without it. An Anthropic Messages client's request keeps them
// (api/anthropic/parse.cpp), and an OpenAI-shaped client may send them too (cache_control as
// other gateways take it, an Anthropic answer's thinking sent back). Only the anthropic provider
// takes them all, Bedrock takes cache_control (ProviderAdapter::anthropic_fields_taken); the
// router gives the others the request without them. Anthropic's top-level `thinking` is one of
// them too: Bedrock (Claude) keeps it, Gemini gets it as a reasoning_effort, OpenAI-dialect
// servers not at all (named).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "model/request.hpp"
#include "providers/provider.hpp"

namespace sluice::providers {

// Puts the client's `anthropic-version` (model::Request::anthropic_version; empty: nothing to do)
// in place of the endpoint's on a request built for Anthropic's API. Only the anthropic provider
// sends that header, so another provider's request is left as it is.
void use_client_anthropic_version(UpstreamRequest& wire, std::string_view version);

// Whether an OpenAI-dialect body has any of the fields above (a scan of messages and tools).
bool carries_anthropic_fields(const boost::json::object& body);

// A copy of `request` without the fields above, its body on the heap (not in the request's
// arena: it lives for one attempt). A tool result flagged is_error reads "Error: …"; one with
// images is a 400 naming `provider`, which takes text tool results only. An anthropic_block in
// a user or tool message is a 400 naming the block's type and `provider`; in an assistant turn
// it is left out (a server tool's trace). Server tools are left out (the model works without
// them). The names taken out,
// once each, are appended to `dropped` (the x-sluice-dropped-params header).
Result<model::Request> without_anthropic_fields(const model::Request& request,
                                                std::string_view provider,
                                                std::vector<std::string>& dropped,
                                                bool keep_cache_control = false);

// The request as `adapter` takes it: nullopt when `request` can go as it is (it carries no
// Anthropic-only field, or the adapter reads them all, and no thought signature the adapter
// cannot take), else a copy on the heap without what it cannot take (the copy above, keeping
// cache_control for an adapter that reads it; tool-call ids without thought signatures).
Result<std::optional<model::Request>> request_for(const model::Request& request,
                                                  const ProviderAdapter& adapter,
                                                  std::vector<std::string>& dropped);

}  // namespace sluice::providers
