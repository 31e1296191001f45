// Vertex AI's service-account credentials: the RS256 assertion verifies with the account's
// public key (checked here with OpenSSL on a key made for the test), the token exchange request
// is the JWT-bearer grant, and the token is cached until five minutes before it expires.

#include "providers/gemini/google_auth.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>

#include "util/base64.hpp"

namespace sluice::providers::gemini {
namespace {

namespace json = boost::json;

struct KeyPair {
  std::string private_pem, public_pem;
};

KeyPair make_key() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, key);
  auto read = [](BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  KeyPair k{read(priv), read(pub)};
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return k;
}

std::string unbase64url(std::string s) {
  for (auto& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s += '=';
  return util::base64_decode(s).value();
}

bool verifies(const std::string& public_pem, std::string_view signed_part,
              const std::string& signature) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  BIO_free(bio);
  return ok;
}

TEST(GoogleAuth, AssertionIsAVerifiableRs256Jwt) {
  const KeyPair k = make_key();
  const std::string account =
      json::serialize(json::object{{"type", "service_account"},
                                   {"client_email", "gw@proj.iam.gserviceaccount.com"},
                                   {"private_key", k.private_pem},
                                   {"token_uri", "http://127.0.0.1:9/token"}});
  auto source = GoogleTokenSource::from_service_account(account);
  ASSERT_TRUE(source) << source.error().message;
  auto jwt = (*source)->assertion(1700000000);
  ASSERT_TRUE(jwt);
  const auto dot1 = jwt->find('.'), dot2 = jwt->rfind('.');
  ASSERT_NE(dot1, dot2);
  EXPECT_EQ(json::parse(unbase64url(jwt->substr(0, dot1))),
            json::parse(R"({"alg":"RS256","typ":"JWT"})"));
  auto claims = json::parse(unbase64url(jwt->substr(dot1 + 1, dot2 - dot1 - 1))).as_object();
  EXPECT_EQ(claims.at("iss"), "gw@proj.iam.gserviceaccount.com");
  EXPECT_EQ(claims.at("aud"), "http://127.0.0.1:9/token");
  EXPECT_EQ(claims.at("scope"), "https://www.googleapis.com/auth/cloud-platform");
  EXPECT_EQ(claims.at("exp").to_number<long long>() - claims.at("iat").to_number<long long>(),
            3600);
  EXPECT_TRUE(verifies(k.public_pem, std::string_view(*jwt).substr(0, dot2),
                       unbase64url(jwt->substr(dot2 + 1))));
  // A changed claim no longer verifies: the signature covers it.
  std::string forged = *jwt;
  forged[dot1 + 2] = forged[dot1 + 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifies(k.public_pem, std::string_view(forged).substr(0, dot2),
                        unbase64url(jwt->substr(dot2 + 1))));
}

TEST(GoogleAuth, TokenIsExchangedOnceThenCachedUntilNearExpiry) {
  const KeyPair k = make_key();
  auto source = GoogleTokenSource::from_service_account(
      json::serialize(json::object{{"client_email", "gw@proj.iam.gserviceaccount.com"},
                                   {"private_key", k.private_pem},
                                   {"token_uri", "http://127.0.0.1:9/oauth/token"}}));
  ASSERT_TRUE(source);
  auto first = (*source)->refresh(1000);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->request.target, "/oauth/token");
  EXPECT_THAT(first->request.body,
              ::testing::StartsWith(
                  "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"));
  ASSERT_TRUE(
      first->accept(UpstreamHead{200, {}},
                    R"({"access_token":"ya29.token-1","expires_in":3599,"token_type":"Bearer"})"));
  EXPECT_EQ((*source)->token(), "ya29.token-1");
  EXPECT_FALSE((*source)->refresh(1000 + 3000));       // still 10 minutes to go
  EXPECT_TRUE((*source)->refresh(1000 + 3599 - 299));  // within the last five minutes
  auto failed =
      first->accept(UpstreamHead{400, {}},
                    R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message, ::testing::HasSubstr("Invalid JWT Signature."));
}

TEST(GoogleAuth, BadCredentialsAreRefused) {
  EXPECT_FALSE(GoogleTokenSource::from_service_account("not json"));
  EXPECT_FALSE(GoogleTokenSource::from_service_account(R"({"client_email": "x"})"));
  EXPECT_FALSE(GoogleTokenSource::from_service_account(
      R"({"client_email": "x", "private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"})"));
}

}  // namespace
}  // namespace sluice::providers::gemini
