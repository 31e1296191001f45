#include "util/secret_box.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <memory>
#include <stdexcept>

#include "util/base64.hpp"
#include "util/digest.hpp"

namespace sluice::util {

namespace {

constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<std::string> parse_secrets_key(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.size() == 64) {
    std::string key;
    for (std::size_t i = 0; i < 64; i += 2) {
      auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
      if (hi < 0 || lo < 0) {
        key.clear();
        break;
      }
      key.push_back(static_cast<char>(hi * 16 + lo));
    }
    if (key.size() == 32) return key;
  }
  if (auto decoded = base64_decode(text); decoded && decoded->size() == 32) return *decoded;
  return Error::invalid(
      "must be 32 random bytes as 64 hex digits or base64 (e.g. the output of "
      "`openssl rand -hex 32`)");
}

std::string secrets_key_id(std::string_view key) {
  return sha256_hex("sluice-secrets-key:" + std::string(key)).substr(0, 16);
}

Sealed seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != 32) throw std::invalid_argument("secrets key must be 32 bytes");
  unsigned char nonce[kNonceBytes];
  if (RAND_bytes(nonce, kNonceBytes) != 1) throw std::runtime_error("RAND_bytes failed");
  Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, total = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o, &len, bytes(plaintext), static_cast<int>(plaintext.size())) !=
          1)
    throw std::runtime_error("AES-256-GCM encryption failed");
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), o + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, o + total + len) != 1)
    throw std::runtime_error("AES-256-GCM encryption failed");
  out.resize(static_cast<std::size_t>(total + len + kTagBytes));
  return {base64_encode(std::string_view(reinterpret_cast<const char*>(nonce), kNonceBytes)),
          base64_encode(out)};
}

std::optional<std::string> open(std::string_view key, const Sealed& sealed, std::string_view aad) {
  if (key.size() != 32) return std::nullopt;
  auto nonce = base64_decode(sealed.nonce);
  auto data = base64_decode(sealed.ciphertext);
  if (!nonce || !data || nonce->size() != kNonceBytes || data->size() < kTagBytes)
    return std::nullopt;
  const std::size_t n = data->size() - kTagBytes;
  std::string tag = data->substr(n);
  Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, total = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(*nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), o, &len, bytes(*data), static_cast<int>(n)) != 1)
    return std::nullopt;
  total = len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + total, &len) != 1)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(total + len));
  return out;
}

}  // namespace sluice::util
