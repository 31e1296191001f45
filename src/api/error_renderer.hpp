#pragma once
// Errors in one API's shape: a whole error answer, and the error event that ends a stream whose
// head has gone out. Every inbound API is one; a path family that only relays the provider's own
// answers (Gemini's passthrough) is only this.

#include <string>

#include "model/error.hpp"

namespace sluice::api {

class ErrorRenderer {
 public:
  virtual ~ErrorRenderer() = default;
  virtual std::string render_error(const Error& error) const = 0;
  // The error as the last event of a stream whose headers have gone out.
  virtual std::string render_stream_error(const Error& error) const = 0;
};

}  // namespace sluice::api
