#pragma once
// UTF-8 as RFC 3629 defines it: what is not (overlong forms, surrogates, code points above
// U+10FFFF, cut sequences) is replaced, so text from the wire (a request path, a provider's
// bytes) can go into JSON, a log line or a database that require it.

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::util {

// Length of the valid UTF-8 sequence at s[i] (1 to 4), or 0 when the bytes there are not one.
// NUL is a valid one-byte sequence.
std::size_t utf8_sequence(std::string_view s, std::size_t i);

// `s` with each byte that starts no valid sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` that does not end inside a sequence (to quote
// the start of a client's text in an error that must stay valid UTF-8).
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace sluice::util
