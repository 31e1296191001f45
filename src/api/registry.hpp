#pragma once
// The inbound APIs by path family: a row per family of paths sluice serves, naming the API that
// parses and renders its requests (none for a family whose answers are only relayed) and whose
// error shape its errors take. Adding an inbound API: its folder under api/ and a row here.

#include <string_view>

#include "api/error_renderer.hpp"
#include "api/inbound.hpp"

namespace sluice::api {

struct ApiRow {
  std::string_view family;  // "openai", "anthropic", "responses", "mlflow", "gemini"
  const InboundApi* api;    // nullptr: no requests are parsed in this family's shape
  const ErrorRenderer& errors;
};

// The row of `family`; OpenAI's for a name that has none.
const ApiRow& api_row(std::string_view family);

}  // namespace sluice::api
