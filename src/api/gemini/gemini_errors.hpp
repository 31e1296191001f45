#pragma once
// Errors in Google's shape, {"error": {"code", "message", "status"}}, for the Gemini passthrough
// path: its clients are Google SDKs and expect Google's errors from the gateway too. Only
// errors: the passthrough relays everything else as the provider sent it.

#include "api/inbound.hpp"

namespace sluice::api::gemini {

class GeminiErrors : public InboundApi {
 public:
  std::string_view name() const override { return "gemini"; }
  Result<void> parse(model::Operation, std::string_view, model::Request&) const override {
    return Error::invalid("not an inbound API");
  }
  std::string render_response(const model::Request&, model::Response&) const override { return {}; }
  std::string render_stream_event(const model::Request&, model::StreamEvent&) const override {
    return {};
  }
  std::string_view stream_end() const override { return {}; }
  std::string render_error(const Error& error) const override;
  std::string render_stream_error(const Error& error) const override;
};

}  // namespace sluice::api::gemini
