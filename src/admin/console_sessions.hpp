#pragma once
// The web console's sign-in (docs/console.md): a key — the admin key, a workspace admin key, or a
// gateway key for the developer view — is exchanged once for a session whose id travels in an
// HttpOnly, SameSite=Strict cookie, so the key never sits in the browser's storage. Each session
// has a CSRF token the page sends back in X-CSRF-Token on every change (a cookie alone never
// authorizes a POST, PATCH or DELETE), and expires after `ttl` of idleness or `max_age` in all.
// In process memory: a restart signs everyone out, and with several replicas a browser needs
// the same one (sticky sessions) until sessions live in the store. Thread-safe.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sluice::admin {

struct ConsoleSession {
  enum class Role { kAdmin, kWorkspaceAdmin, kDeveloper };
  std::string id;    // 256 random bits, base64url: the cookie's value
  std::string csrf;  // 128 random bits, hex
  Role role = Role::kAdmin;
  std::string key_id;     // the key signed in with ("" for the admin key)
  std::string workspace;  // a workspace admin's or a developer key's
  // What the key was when the session began: a gateway key's stored hash, or the SHA-256 of the
  // admin key. A session holds only while its key still hashes the same (a rotated key, or a
  // changed admin key, ends it).
  std::string key_hash;
  std::int64_t created_ms = 0;
  std::int64_t last_used_ms = 0;
};

std::string_view role_name(ConsoleSession::Role role);

class ConsoleSessions {
 public:
  static constexpr std::int64_t kIdleMs = 30LL * 60 * 1000;      // 30 minutes without a call
  static constexpr std::int64_t kMaxAgeMs = 12LL * 3600 * 1000;  // 12 hours in all
  static constexpr std::size_t kMaxSessions = 10'000;  // the least recently used go first past it
  // Sessions of one key (one key_hash): past it that key's least recently used goes, so a key's
  // holder signing in again and again cannot push everyone else's sessions out.
  static constexpr std::size_t kMaxPerKey = 32;

  // A new session for a caller already authenticated by its key.
  ConsoleSession create(ConsoleSession::Role role, std::string key_id, std::string workspace,
                        std::string key_hash, std::int64_t now_ms);
  // The live session `id` names, its last use moved to now; nullopt when unknown or expired
  // (an expired one is forgotten).
  std::optional<ConsoleSession> use(std::string_view id, std::int64_t now_ms);
  // Signs a session out; false when there was none.
  bool end(std::string_view id);
  std::size_t size() const;

 private:
  bool expired(const ConsoleSession& s, std::int64_t now_ms) const {
    return now_ms - s.last_used_ms > kIdleMs || now_ms - s.created_ms > kMaxAgeMs;
  }
  mutable std::mutex mutex_;
  std::unordered_map<std::string, ConsoleSession> sessions_;
};

// The value of cookie `name` in a Cookie header (RFC 6265 §5.4: "a=1; b=2"), "" when absent.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace sluice::admin
