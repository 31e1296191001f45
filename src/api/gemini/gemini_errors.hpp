#pragma once
// Errors in Google's shape, {"error": {"code", "message", "status"}}, for the Gemini passthrough
// path: its clients are Google SDKs and expect Google's errors from the gateway too. Only
// errors: the passthrough relays everything else as the provider sent it.

#include "api/error_renderer.hpp"

namespace sluice::api::gemini {

class GeminiErrors : public ErrorRenderer {
 public:
  std::string render_error(const Error& error) const override;
  std::string render_stream_error(const Error& error) const override;
};

}  // namespace sluice::api::gemini
