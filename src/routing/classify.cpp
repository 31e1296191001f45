#include "routing/classify.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace sluice::routing {

AttemptOutcome outcome_of(const Error& error) {
  const unsigned status = error.upstream_status.value_or(0);
  if (status == 429 || error.code == ErrorCode::kRateLimited) return AttemptOutcome::kRateLimited;
  switch (error.code) {
    case ErrorCode::kUpstreamTimeout:
      return AttemptOutcome::kTimeout;
    case ErrorCode::kUpstreamServerError:
      return AttemptOutcome::kServerError;
    case ErrorCode::kUpstreamUnavailable:
      return status >= 500 ? AttemptOutcome::kServerError : AttemptOutcome::kConnectError;
    default:
      return status >= 500 ? AttemptOutcome::kServerError : AttemptOutcome::kClientError;
  }
}

bool is_context_length_error(const Error& error) {
  if (error.error_code == "context_length_exceeded" ||
      error.error_code == "string_above_max_length")
    return true;
  const unsigned status = error.upstream_status.value_or(0);
  if (status != 400 && status != 413) return false;
  std::string m = error.message;
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // How OpenAI, Anthropic, Gemini and Bedrock word it when the error has no code.
  for (const char* phrase :
       {"context length", "context window", "prompt is too long", "too many tokens",
        "input is too long", "exceeds the maximum number of tokens"}) {
    if (m.find(phrase) != std::string::npos) return true;
  }
  return false;
}

}  // namespace sluice::routing
