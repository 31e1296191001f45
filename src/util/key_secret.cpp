#include "util/key_secret.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "util/digest.hpp"

namespace sluice::util {

namespace {

void random_bytes(unsigned char* out, int n) {
  if (RAND_bytes(out, n) != 1) throw std::runtime_error("no randomness for a key (RAND_bytes)");
}

}  // namespace

std::string new_secret() {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  // 43 base62 digits carry 256 bits; rejection sampling keeps every digit uniform.
  std::string out(kKeyPrefix);
  while (out.size() < kKeyPrefix.size() + 43) {
    std::array<unsigned char, 64> buf;
    random_bytes(buf.data(), static_cast<int>(buf.size()));
    for (unsigned char b : buf) {
      if (b >= 248) continue;  // 248 = 4 × 62
      out += kAlphabet[b % 62];
      if (out.size() == kKeyPrefix.size() + 43) break;
    }
  }
  return out;
}

namespace {

std::string new_id(const char* prefix) {
  std::array<unsigned char, 8> buf;
  random_bytes(buf.data(), static_cast<int>(buf.size()));
  return prefix + util::hex_lower(buf.data(), buf.size());
}

}  // namespace

std::string new_key_id() { return new_id("key_"); }

std::string new_budget_id() { return new_id("bud_"); }

std::string new_object_id(const char* prefix) { return new_id(prefix); }

namespace {

// One HMAC context per thread, keyed with the pepper once: OpenSSL 3's one-shot HMAC() looks the
// algorithm up on every call, which costs more than the hash itself on the request path.
class PepperedMac {
 public:
  PepperedMac() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)), ctx_(EVP_MAC_CTX_new(mac_)) {
    if (ctx_ == nullptr) throw std::runtime_error("HMAC is not available from OpenSSL");
  }
  ~PepperedMac() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
  }
  PepperedMac(const PepperedMac&) = delete;
  PepperedMac& operator=(const PepperedMac&) = delete;

  std::string hash(std::string_view pepper, std::string_view secret) {
    const unsigned char* key = nullptr;  // NULL: HMAC reuses the key it was given last
    if (pepper != pepper_) {
      pepper_.assign(pepper);
      key = reinterpret_cast<const unsigned char*>(pepper_.data());
    }
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    std::array<unsigned char, EVP_MAX_MD_SIZE> out;
    std::size_t length = 0;
    if (EVP_MAC_init(ctx_, key, key ? pepper_.size() : 0, key ? params : nullptr) != 1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size()) != 1 ||
        EVP_MAC_final(ctx_, out.data(), &length, out.size()) != 1) {
      pepper_.clear();
      throw std::runtime_error("HMAC-SHA256 failed");
    }
    return util::hex_lower(out.data(), length);
  }

 private:
  EVP_MAC* mac_;
  EVP_MAC_CTX* ctx_;
  std::string pepper_ = std::string(1, '\0');  // never a real pepper: the first call keys it
};

}  // namespace

std::string hash_secret(std::string_view pepper, std::string_view secret) {
  thread_local PepperedMac mac;
  return mac.hash(pepper, secret);
}

std::string secret_prefix(std::string_view secret) {
  return std::string(secret.substr(0, kKeyPrefix.size() + 4));
}

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative matcher with one backtrack point: linear for the patterns people write.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p, ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace sluice::util
