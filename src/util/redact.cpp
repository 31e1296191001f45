#include "util/redact.hpp"

#include <cctype>

namespace sluice::util {
namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Masks the token following each `prefix` if it is long enough to be a credential.
void mask_after(std::string& text, std::string_view prefix, std::size_t min_len) {
  std::size_t pos = 0;
  while ((pos = text.find(prefix, pos)) != std::string::npos) {
    std::size_t start = pos + prefix.size();
    std::size_t end = start;
    while (end < text.size() && is_token_char(text[end])) ++end;
    if (end - start >= min_len) {
      text.replace(start, end - start, "[REDACTED]");
      pos = start + 10;
    } else {
      pos = end;
    }
  }
}

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to be a credential; replacing would mangle text
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "[REDACTED]");
      pos += 10;
    }
  }
  mask_after(out, "sk-", 12);
  mask_after(out, "Bearer ", 8);
  return out;
}

}  // namespace sluice::util
