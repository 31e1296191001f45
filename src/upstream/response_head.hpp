#pragma once
// What the upstream client accepts of a provider's response head, and the bounds it reads it
// with. Free of network headers so the fuzz target for response parsing checks the same rules.

#include <cstddef>
#include <string_view>

#include "model/error.hpp"

namespace sluice::upstream {

// A provider's status line and header section.
inline constexpr std::size_t kMaxHeadBytes = 48 * 1024;
// The read buffer: bounds a chunk-size line and the trailers, and stays below the 65,533 bytes
// Beast's field store can hold (a longer field would throw from inside the parser).
inline constexpr std::size_t kMaxReadBuffer = 60 * 1024;
// Interim answers (100 Continue, 103 Early Hints) skipped before the final one.
inline constexpr int kMaxInterimAnswers = 8;

enum class HeadKind {
  kInterim,  // 1xx other than 101: skip it and read the next head (RFC 9110 §15.2)
  kFinal,    // the answer
};

// Classifies a parsed head, or the 502 it is: 101 (no provider call switches protocols), a
// redirect (never followed: provider hosts are what the config names), a content coding other
// than identity (sluice asks for none and could not read one). `provider` names it in errors.
Result<HeadKind> check_response_head(unsigned status, std::string_view content_encoding,
                                     std::string_view provider);

}  // namespace sluice::upstream
