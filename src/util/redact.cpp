#include "util/redact.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::util {
namespace {

constexpr std::size_t kMinSecret = 4;  // shorter is not a credential; replacing would mangle text

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

void replace_secrets(std::string& out, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < kMinSecret) continue;
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "[REDACTED]");
      pos += 10;
    }
  }
}

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  replace_secrets(out, secrets);
  mask_after(out, "sk-", 12);
  mask_after(out, "Bearer ", 8);
  return out;
}

std::string redact_exact(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  replace_secrets(out, secrets);
  return out;
}

StreamRedactor::StreamRedactor(const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < kMinSecret) continue;
    secrets_.push_back(s);
    hold_ = std::max(hold_, s.size() - 1);
  }
}

std::string StreamRedactor::feed(std::string_view piece) {
  if (!active()) return std::string(piece);
  pending_.append(piece);
  replace_secrets(pending_, secrets_);
  // Only a tail that could be the start of a secret is held back: one that is not cannot become
  // one with more bytes, so the rest goes out now (no event waits for the next piece for nothing).
  std::size_t held = 0;
  for (const auto& secret : secrets_) {
    const std::size_t longest = std::min(pending_.size(), secret.size() - 1);
    for (std::size_t at = pending_.size() - longest; at < pending_.size() - held; ++at) {
      if (pending_[at] != secret[0]) continue;
      if (secret.compare(0, pending_.size() - at, pending_, at) == 0) {
        held = pending_.size() - at;
        break;
      }
    }
  }
  std::string ready = pending_.substr(0, pending_.size() - held);
  pending_.erase(0, pending_.size() - held);
  return ready;
}

std::string StreamRedactor::finish() {
  std::string rest = std::move(pending_);
  pending_.clear();
  return rest;
}

std::string mask_url_userinfo(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  for (;;) {
    const auto scheme = text.find("://", at);
    if (scheme == std::string_view::npos) break;
    const std::size_t start = scheme + 3;
    // The authority ends at the first '/', '?', '#', whitespace or quote.
    std::size_t end = start;
    while (end < text.size() &&
           std::string_view("/?# \t\n'\"").find(text[end]) == std::string_view::npos)
      ++end;
    const auto userinfo = text.substr(start, end - start).rfind('@');
    out.append(text.substr(at, start - at));
    if (userinfo != std::string_view::npos) {
      out += "***";
      out.append(text.substr(start + userinfo, end - start - userinfo));
    } else {
      out.append(text.substr(start, end - start));
    }
    at = end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace sluice::util
