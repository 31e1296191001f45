#include "providers/bedrock/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

#include "util/text.hpp"

namespace sluice::providers::bedrock {
namespace {

using util::hex_lower;

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// Query parameters sorted by name (then value), each name and value encoded.
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    params.emplace_back(std::string(pair.substr(0, eq)),
                        eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xF];
    }
  }
  return out;
}

std::string amz_date(long long unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

void sign_v4(const AwsCredentials& credentials, const SigningInput& in,
             std::vector<std::pair<std::string, std::string>>& headers) {
  headers.emplace_back("X-Amz-Date", std::string(in.amz_date));
  if (!credentials.session_token.empty())
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  // Canonical headers: lower-case names, sorted, trimmed values; host first among equals.
  std::vector<std::pair<std::string, std::string>> signed_headers{{"host", std::string(in.host)}};
  for (const auto& [name, value] : headers)
    signed_headers.emplace_back(util::ascii_lower(name), trim(value));
  std::sort(signed_headers.begin(), signed_headers.end());
  std::string canonical_headers, names;
  for (const auto& [name, value] : signed_headers) {
    canonical_headers += name + ':' + value + '\n';
    if (!names.empty()) names += ';';
    names += name;
  }
  // Services other than S3 sign the path encoded once more than it is sent.
  std::string canonical_request = std::string(in.method) + '\n' + uri_encode(in.path, true) + '\n' +
                                  canonical_query(in.query) + '\n' + canonical_headers + '\n' +
                                  names + '\n' + sha256_hex(in.body);
  const std::string date(in.amz_date.substr(0, 8));
  const std::string scope =
      date + '/' + std::string(in.region) + '/' + std::string(in.service) + "/aws4_request";
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(in.amz_date) + '\n' + scope +
                              '\n' + sha256_hex(canonical_request);
  std::string key = hmac("AWS4" + credentials.secret_access_key, date);
  key = hmac(key, in.region);
  key = hmac(key, in.service);
  key = hmac(key, "aws4_request");
  const std::string signature = hmac(key, to_sign);
  headers.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + '/' + scope +
          ", SignedHeaders=" + names + ", Signature=" +
          hex_lower(reinterpret_cast<const unsigned char*>(signature.data()), signature.size()));
}

}  // namespace sluice::providers::bedrock
