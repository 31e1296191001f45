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

}  // namespace sluice::util
