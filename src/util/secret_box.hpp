#pragma once
// Provider secrets at rest: AES-256-GCM (NIST SP 800-38D) through OpenSSL's EVP interface, a
// fresh random 96-bit nonce per seal, a 128-bit tag, and the secret's name as additional
// authenticated data (a ciphertext copied onto another name does not open). The key is 32 bytes,
// given as 64 hex digits or as base64 (`auth.secrets_key`, SLUICE_SECRETS_KEY).
// Thread-safe: no shared state.

#include <optional>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace sluice::util {

struct Sealed {
  std::string nonce;       // base64 of the 12-byte nonce
  std::string ciphertext;  // base64 of the ciphertext followed by the 16-byte tag
};

// The 32 key bytes from 64 hex digits or base64 of 32 bytes; an error that never quotes `text`.
Result<std::string> parse_secrets_key(std::string_view text);

// A short public name for a key (the first 16 hex digits of the SHA-256 of "sluice-secrets-key:"
// and the key), stored beside each ciphertext so a wrong or rotated key is named, not guessed.
std::string secrets_key_id(std::string_view key);

// `key` is 32 bytes. Throws std::runtime_error only if OpenSSL fails.
Sealed seal(std::string_view key, std::string_view plaintext, std::string_view aad);
// nullopt when the key, the name or the bytes do not match (the tag does not verify).
std::optional<std::string> open(std::string_view key, const Sealed& sealed, std::string_view aad);

}  // namespace sluice::util
