#include "util/digest.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace sluice::util {

namespace {

// EVP_Digest with EVP_sha256() looks the algorithm up and makes a context on every call (most of
// its cost for short inputs, OpenSSL 3); the algorithm is fetched once and each thread keeps its
// context.
const EVP_MD* sha256() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
    return fetched;  // kept for the process's life
  }();
  return md;
}

struct FreeContext {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::string hex_lower(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  thread_local std::unique_ptr<EVP_MD_CTX, FreeContext> context(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!context || EVP_DigestInit_ex(context.get(), sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &len) != 1)
    throw std::runtime_error("SHA-256 failed");
  return hex_lower(digest, len);
}

}  // namespace sluice::util
