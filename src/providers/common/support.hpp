#pragma once
// What the translating providers share besides stream chunks: their error values, the config
// keys every one of them reads the same way, the handling of request parameters a provider
// lacks, and image data URLs.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace sluice::providers::common {

// A provider's non-2xx answer: status kept, 5xx vs 4xx class, `message` or, when empty, the
// status and the start of the body.
Error upstream_error(std::string_view provider, unsigned status, std::string message,
                     std::string_view body);
// An answer that cannot be read (not JSON, fields missing): a 502.
Error bad_answer(std::string_view provider, std::string message);
// A provider's 2xx body as a JSON object (allocated in `storage`, the request's arena), or the
// 502 saying it is not one.
Result<boost::json::object> parse_answer(std::string_view provider, std::string_view body,
                                         const boost::json::storage_ptr& storage);
// `key` of a JSON object body, when the body is one and the member an object (usage fields of
// passthrough answers).
std::optional<boost::json::object> object_member(std::string_view body, std::string_view key);

// `unsupported_params: reject | drop` (default reject).
Result<bool> reject_unsupported(const ConfigMap& config);
// The base URL in `key`, or `fallback` when the key is absent.
Result<util::BaseUrl> base_url(const ConfigMap& config, const std::string& key,
                               const std::string& fallback);

// Parameters of an OpenAI request the provider has no counterpart for. Semantics-changing ones
// are a 400 naming them unless the endpoint says `unsupported_params: drop`; cosmetic ones are
// dropped. Dropped names end up in `dropped` (and the x-sluice-dropped-params header).
class Unsupported {
 public:
  Unsupported(std::string_view provider, bool reject, std::vector<std::string>& dropped)
      : provider_(provider), reject_(reject), dropped_(dropped) {}
  std::optional<Error> semantic(std::string_view key);
  void cosmetic(std::string_view key) { dropped_.emplace_back(key); }

 private:
  std::string_view provider_;
  bool reject_;
  std::vector<std::string>& dropped_;
};

// `data:<media type>;base64,<data>`.
struct DataUrl {
  std::string_view media_type;
  std::string_view data;
};
std::optional<DataUrl> parse_data_url(std::string_view url);
// The media type of base64 image data: sniffed from its first bytes when they are PNG, JPEG,
// GIF or WebP (the four types Anthropic, Bedrock and Gemini take), else `declared` with the
// common misspelling image/jpg corrected to image/jpeg. A client's wrong label would otherwise
// be a provider's 400.
std::string_view image_media_type(std::string_view declared, std::string_view base64_data);
// The URL of an OpenAI `image_url` content part (`{"url": …}` or a bare string), or null.
const boost::json::value* image_url_of(const boost::json::object& part);

}  // namespace sluice::providers::common
