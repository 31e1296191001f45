#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::util {

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);

// Standard base64 decoding (padding optional); nullopt on invalid input.
std::optional<std::string> base64_decode(std::string_view text);

// Little-endian IEEE-754 float32 of each value, base64-encoded: OpenAI's embeddings
// `encoding_format: "base64"` wire format.
std::string floats_to_base64(std::span<const float> values);

}  // namespace sluice::util
