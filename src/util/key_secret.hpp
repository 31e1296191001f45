#pragma once
// Gateway key secrets: generation, the stored hash, and glob matching of allowed names.

#include <string>
#include <string_view>

namespace sluice::util {

inline constexpr std::string_view kKeyPrefix = "sk-sluice-";

// A new secret: "sk-sluice-" + 256 random bits in base62 (43 characters).
std::string new_secret();
// A new key id: "key_" + 16 hex digits.
std::string new_key_id();
// "bud_" + 16 hex digits: the id of a budget made through the admin API.
std::string new_budget_id();
// `prefix` + 16 hex digits: the id of another object made through an admin API (MLflow's
// gateway objects: "s-", "d-", "e-", "m-").
std::string new_object_id(const char* prefix);
// The stored form: hex HMAC-SHA256 keyed with the server's pepper. Without the pepper a stolen
// database cannot be checked against guesses offline.
std::string hash_secret(std::string_view pepper, std::string_view secret);
// What lists show of a secret: its first 14 characters ("sk-sluice-AbCd").
std::string secret_prefix(std::string_view secret);
// `*` matches any run of characters, `?` one; everything else itself.
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace sluice::util
