#pragma once
// Keeps secrets out of logs and error messages (design: "Secrets never appear in logs or error
// messages"). Every upstream message shown to a client passes through redact().

#include <string>
#include <string_view>
#include <vector>

namespace sluice::util {

// Replaces each occurrence of any of `secrets` in `text` by "[REDACTED]", then masks anything
// shaped like a bearer credential ("sk-…", "Bearer …") that was not in the list.
std::string redact(std::string_view text, const std::vector<std::string>& secrets);

// Replaces only the listed secrets (at least 4 bytes long) by "[REDACTED]": for bytes relayed
// as they are (passthrough answers), where anything else must stay byte for byte.
std::string redact_exact(std::string_view text, const std::vector<std::string>& secrets);

// `text` with the user information of every URL in it ("scheme://user:password@host") replaced
// by "***": a URL refused for carrying a password is quoted in the error without it.
std::string mask_url_userinfo(std::string_view text);

// redact_exact() over a byte stream cut anywhere: a secret split across two pieces is still
// replaced. Holds back only a tail that could begin a secret (at most its length - 1 bytes)
// until the next piece or finish().
// Costs nothing (no copy, nothing held) when there is no secret.
class StreamRedactor {
 public:
  explicit StreamRedactor(const std::vector<std::string>& secrets);
  bool active() const { return hold_ > 0; }
  // The bytes of `piece` (after what was held) that can be sent now.
  std::string feed(std::string_view piece);
  // What is still held, at the end of the stream.
  std::string finish();

 private:
  std::vector<std::string> secrets_;
  std::size_t hold_ = 0;
  std::string pending_;
};

}  // namespace sluice::util
