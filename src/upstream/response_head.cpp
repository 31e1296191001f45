#include "upstream/response_head.hpp"

#include <string>

namespace sluice::upstream {

namespace {

Error unusable(std::string message, std::string_view provider) {
  Error e = Error::make(ErrorCode::kUpstreamUnavailable, std::move(message));
  e.provider = provider;
  return e;
}

bool is_identity(std::string_view coding) {
  constexpr std::string_view kIdentity = "identity";
  if (coding.size() != kIdentity.size()) return false;
  for (std::size_t i = 0; i < coding.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(coding[i])) != kIdentity[i]) return false;
  }
  return true;
}

}  // namespace

Result<HeadKind> check_response_head(unsigned status, std::string_view content_encoding,
                                     std::string_view provider) {
  if (status >= 100 && status < 200 && status != 101) return HeadKind::kInterim;
  if (status < 200) {
    return unusable(
        "provider answered HTTP " + std::to_string(status) + " where a final answer was due",
        provider);
  }
  if (status > 599) {
    // RFC 9110 §15: status codes are 100..599; anything past is no answer a client could read
    // (and would be relayed as such on the passthrough).
    return unusable(
        "provider answered HTTP " + std::to_string(status) + ", which is no HTTP status code",
        provider);
  }
  if (status >= 300 && status < 400) {
    return unusable("provider answered HTTP " + std::to_string(status) +
                        " (a redirect), which the gateway does not follow",
                    provider);
  }
  if (!content_encoding.empty() && !is_identity(content_encoding)) {
    return unusable("provider answered with Content-Encoding '" + std::string(content_encoding) +
                        "', which the gateway does not decode",
                    provider);
  }
  return HeadKind::kFinal;
}

}  // namespace sluice::upstream
