#include "admin/console_sessions.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

#include "util/digest.hpp"

namespace sluice::admin {

namespace {

template <std::size_t N>
std::array<unsigned char, N> random() {
  std::array<unsigned char, N> out;
  if (RAND_bytes(out.data(), static_cast<int>(N)) != 1)
    throw std::runtime_error("no randomness for a console session (RAND_bytes)");
  return out;
}

std::string base64url(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kDigits[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kDigits[(acc << (6 - bits)) & 0x3F];
  return out;
}

}  // namespace

std::string_view role_name(ConsoleSession::Role role) {
  switch (role) {
    case ConsoleSession::Role::kWorkspaceAdmin:
      return "workspace_admin";
    case ConsoleSession::Role::kDeveloper:
      return "developer";
    case ConsoleSession::Role::kAdmin:
      break;
  }
  return "admin";
}

ConsoleSession ConsoleSessions::create(ConsoleSession::Role role, std::string key_id,
                                       std::string workspace, std::string key_hash,
                                       std::int64_t now_ms) {
  const auto id = random<32>();
  const auto csrf = random<16>();
  ConsoleSession s{base64url(id.data(), id.size()),
                   util::hex_lower(csrf.data(), csrf.size()),
                   role,
                   std::move(key_id),
                   std::move(workspace),
                   std::move(key_hash),
                   now_ms,
                   now_ms};
  auto least_recent = [](const auto& a, const auto& b) {
    return a.second.last_used_ms < b.second.last_used_ms;
  };
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, now_ms); });
  std::vector<decltype(sessions_)::iterator> same_key;
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.key_hash == s.key_hash) same_key.push_back(it);
  }
  if (same_key.size() >= kMaxPerKey) {
    sessions_.erase(*std::min_element(same_key.begin(), same_key.end(),
                                      [&](auto a, auto b) { return least_recent(*a, *b); }));
  }
  while (sessions_.size() >= kMaxSessions)
    sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(), least_recent));
  sessions_.emplace(s.id, s);
  return s;
}

std::optional<ConsoleSession> ConsoleSessions::use(std::string_view id, std::int64_t now_ms) {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now_ms)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used_ms = now_ms;
  return it->second;
}

bool ConsoleSessions::end(std::string_view id) {
  std::lock_guard lock(mutex_);
  return sessions_.erase(std::string(id)) > 0;
}

std::size_t ConsoleSessions::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == name) {
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return {};
}

}  // namespace sluice::admin
