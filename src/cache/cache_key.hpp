#pragma once
// The exact cache's key: SHA-256 over the canonical form of the request as it will be sent
// (after templates, parameters and overrides), the endpoint it names and the tenant it is for.
//
// Canonical: object members sorted by key at every depth, no whitespace, integral numbers as
// integers (1, 1.0 and 1e0 alike), other numbers as Boost.JSON writes them, strings as JSON
// escapes them. Images and files sent inline
// are part of the text hashed, so they count by content. Left out, at the top level only, are
// the members that do not change the answer: `model` (the endpoint identity stands for it),
// `user`, `metadata`, `stream`, `stream_options`, `store`, `safety_identifier`,
// `prompt_cache_key`, `prompt_cache_retention`. Everything else (temperature, seed, tools,
// response_format, max_tokens, n, …) is in. Stream and non-stream requests share a key.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "config/cache.hpp"
#include "model/request.hpp"

namespace sluice::cache {

// `value` in canonical form, appended to `out`.
void append_canonical(const boost::json::value& value, std::string& out);

// Who an entry is for under `scope`: "k:<key id>", "t:<team>" (a key without a team: its
// key's), or "g". A request without a key is "k:" under key or team scope (one tenant: the
// gateway without keys).
std::string scope_id(config::CacheSpec::Scope scope, std::string_view key_id,
                     std::string_view team);

// 64 lower-case hex digits. `identity` names what answers (the endpoint or route, its provider
// and model); `scope` is scope_id()'s. The request's Anthropic version and beta headers are in
// too (they change the answer's shape and features).
std::string cache_key(const model::Request& request, std::string_view identity,
                      std::string_view scope);

// The request's sampling temperature: its `temperature`, or 1 when it sets none (OpenAI's and
// Anthropic's default: an answer meant to vary) or sets something that is not a number.
double temperature_of(const model::Request& request);

}  // namespace sluice::cache
