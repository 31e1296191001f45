#pragma once
// AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html),
// written with OpenSSL: the canonical request, the string to sign, the derived key and the
// Authorization header. Pure functions of their inputs (the time is a parameter), so they are
// checked against AWS's published test vectors.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/digest.hpp"

namespace sluice::providers::bedrock {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
};

struct SigningInput {
  std::string_view method;
  std::string_view host;   // as sent in the Host header (with :port when not the default)
  std::string_view path;   // as sent on the request line (already URI-encoded once)
  std::string_view query;  // without '?', may be empty
  std::string_view body;
  std::string_view region;
  std::string_view service;
  std::string_view amz_date;  // "20150830T123600Z"
};

using util::sha256_hex;
// RFC 3986 percent-encoding of everything but unreserved characters (and '/' if `keep_slash`).
std::string uri_encode(std::string_view text, bool keep_slash);
// "20150830T123600Z" for a Unix time.
std::string amz_date(long long unix_seconds);

// Adds X-Amz-Date, X-Amz-Security-Token (with a session token) and Authorization to `headers`,
// signing host, the x-amz-* headers and every header already in `headers`.
void sign_v4(const AwsCredentials& credentials, const SigningInput& input,
             std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace sluice::providers::bedrock
