#pragma once
// Numbers a client sends reach the provider as they were written. Boost.JSON (1.81) reads every
// non-integer number into a double, so `1e400` would be forwarded as a non-JSON `Infinity`,
// `1e-400` as 0 and a 30-digit integer rounded. Such a number — one a double cannot carry: it
// overflows, underflows to zero, or has more than 17 significant digits — is kept instead as
// its text inside a marker string, and restore_raw_numbers() puts the text back into the
// serialized body just before it is sent. Numbers a double carries are read as usual.

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "util/json_parse.hpp"  // kMaxJsonDepth, too_deep(): the same limits apply

namespace sluice::util {

// What a kept number looks like inside the parsed value: this prefix (a private-use character
// and a tag), then the number's text. A client string that starts with it is refused
// (ec = boost::json::error::syntax), so no client can forge a raw insertion.
inline constexpr std::string_view kRawNumberMarker = "\xEE\x80\x80#number:";

// Like parse_json(), with the numbers above kept as marker strings.
boost::json::value parse_json_keeping_numbers(std::string_view text, boost::system::error_code& ec,
                                              boost::json::storage_ptr storage = {});

// Whether parse_json_keeping_numbers() has kept any number in this process (a cheap test that
// spares every other body the search).
bool raw_numbers_kept();

// Replaces each serialized marker string ("<marker><number>") in `json_text` by the bare number
// text. Returns whether anything was replaced.
bool restore_raw_numbers(std::string& json_text);

}  // namespace sluice::util
