#pragma once
// JSON parsing on the hot path. boost::json::parse() builds a fresh parser (and its internal
// stacks) per call; reusing one parser per thread keeps those stacks warm, so parsing allocates
// only the resulting value, in the caller's storage.

#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

namespace sluice::util {

// How deep a parsed document may nest (Boost.JSON's default is 32). Tool input schemas of coding
// agents (MCP tools) nest deeper than that; the providers take at least this much.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Boost.JSON's defaults with max_depth = kMaxJsonDepth, for every request-body parser.
inline boost::json::parse_options request_parse_options() {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  return options;
}

// Whether a parse failed only because the document nests deeper than kMaxJsonDepth: said so to
// the client, rather than "not JSON".
bool too_deep(const boost::system::error_code& ec);
inline constexpr std::string_view kTooDeepMessage =
    "The request body nests deeper than the 64 levels this gateway parses.";

// Parses `text` into `storage`; nests at most kMaxJsonDepth deep; on error sets `ec`, gives null.
boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              boost::json::storage_ptr storage = {});

}  // namespace sluice::util
