#include "governance/key_secret.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace sluice::governance {

namespace {

void random_bytes(unsigned char* out, int n) {
  if (RAND_bytes(out, n) != 1) throw std::runtime_error("no randomness for a key (RAND_bytes)");
}

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
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

std::string new_key_id() {
  std::array<unsigned char, 8> buf;
  random_bytes(buf.data(), static_cast<int>(buf.size()));
  return "key_" + hex(buf.data(), buf.size());
}

std::string hash_secret(std::string_view pepper, std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac;
  unsigned int length = 0;
  HMAC(EVP_sha256(), pepper.data(), static_cast<int>(pepper.size()),
       reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), mac.data(), &length);
  return hex(mac.data(), length);
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

}  // namespace sluice::governance
