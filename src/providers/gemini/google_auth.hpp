#pragma once
// Google service-account credentials for Vertex AI: a JWT signed with the account's RSA key
// (RS256, OpenSSL) exchanged at its token_uri for an OAuth2 access token, which is cached and
// fetched again five minutes before it expires
// (https://developers.google.com/identity/protocols/oauth2/service-account#httprest).

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "providers/provider.hpp"

namespace sluice::providers::gemini {

class GoogleTokenSource {
 public:
  // From a service account key file's JSON (client_email, private_key, token_uri).
  static Result<std::shared_ptr<GoogleTokenSource>> from_service_account(std::string_view json);

  // The signed assertion for time `now` (Unix seconds).
  Result<std::string> assertion(long long now) const;
  // The token request to send when no token is cached or it expires within five minutes.
  std::optional<CredentialRefresh> refresh(long long now) const;
  // The cached access token ("" before the first exchange).
  std::string token() const;
  const std::string& client_email() const { return client_email_; }
  const std::string& private_key() const { return private_key_; }

 private:
  Result<void> accept(const UpstreamHead& head, std::string_view body, long long now) const;

  std::string client_email_;
  std::string private_key_;  // PEM
  std::string token_uri_;
  Upstream token_upstream_;
  std::string token_path_;
  mutable std::mutex mutex_;
  mutable std::string token_;
  mutable long long expires_at_ = 0;
};

}  // namespace sluice::providers::gemini
