#pragma once
// One answer kept by the response cache, and its wire form: what the in-process store holds
// parsed and Redis holds as bytes (zstd-compressed JSON, so every replica and version reads it).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/response.hpp"

namespace sluice::cache {

struct CachedAnswer {
  model::Response response;     // internal (OpenAI) shape, usage as the provider billed it
  std::int64_t stored_ms = 0;   // Unix ms when the provider's answer was stored
  std::int64_t expires_ms = 0;  // Unix ms after which it is not served
  std::string endpoint;         // the endpoint or route the client named
  std::string scope;            // the tenant it belongs to (cache_key.hpp: scope_id)
  std::size_t bytes = 0;        // size of its encoded JSON (what the store bounds)
};
using AnswerPtr = std::shared_ptr<const CachedAnswer>;

// The answer as JSON text: {"v":1,"stored_ms","expires_ms","endpoint","scope","usage","body"}.
std::string encode(const CachedAnswer& answer);
// The text of encode() back; nullopt when it is not one (another version, damage).
std::optional<CachedAnswer> decode(std::string_view text);

// zstd frames (level 3), for Redis. decompress: nullopt when `data` is not a frame or would
// expand past `max_bytes`.
std::string compress(std::string_view data);
std::optional<std::string> decompress(std::string_view data, std::size_t max_bytes);

}  // namespace sluice::cache
