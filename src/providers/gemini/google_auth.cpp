#include "providers/gemini/google_auth.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>

#include "util/base64.hpp"

namespace sluice::providers::gemini {
namespace json = boost::json;

namespace {

constexpr long long kRefreshMargin = 300;  // seconds before expiry a new token is fetched

std::string base64url(std::string_view bytes) {
  std::string s = util::base64_encode(bytes);
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

Error auth_error(std::string message) {
  Error e = Error::make(ErrorCode::kUpstreamUnavailable, std::move(message));
  e.provider = "vertex_ai";
  return e;
}

}  // namespace

Result<std::shared_ptr<GoogleTokenSource>> GoogleTokenSource::from_service_account(
    std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object())
    return Error::invalid("the service account credentials are not JSON");
  const auto& o = parsed.get_object();
  auto field = [&](const char* k) -> std::string {
    const json::value* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  auto source = std::make_shared<GoogleTokenSource>();
  source->client_email_ = field("client_email");
  source->private_key_ = field("private_key");
  source->token_uri_ = field("token_uri");
  if (source->token_uri_.empty()) source->token_uri_ = "https://oauth2.googleapis.com/token";
  if (source->client_email_.empty() || source->private_key_.empty())
    return Error::invalid("the service account credentials need client_email and private_key");
  std::string why;
  auto url = util::parse_base_url(source->token_uri_, why);
  if (!url)
    return Error::invalid("the service account's token_uri '" + source->token_uri_ + "' " + why);
  source->token_path_ = url->path.empty() ? "/" : url->path;
  source->token_upstream_.url = *url;
  if (!source->assertion(0))
    return Error::invalid("the service account's private_key is not an RSA key in PEM form");
  return source;
}

Result<std::string> GoogleTokenSource::assertion(long long now) const {
  const std::string header = base64url(R"({"alg":"RS256","typ":"JWT"})");
  const std::string claims = base64url(
      json::serialize(json::object{{"iss", client_email_},
                                   {"scope", "https://www.googleapis.com/auth/cloud-platform"},
                                   {"aud", token_uri_},
                                   {"iat", now},
                                   {"exp", now + 3600}}));
  const std::string signing_input = header + "." + claims;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(private_key_.data(), static_cast<int>(private_key_.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) return auth_error("cannot read the service account's private key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return auth_error("cannot sign with the service account's private key");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return auth_error("cannot sign with the service account's private key");
  }
  signature.resize(len);
  return signing_input + "." + base64url(signature);
}

std::optional<CredentialRefresh> GoogleTokenSource::refresh(long long now) const {
  {
    std::lock_guard lock(mutex_);
    if (!token_.empty() && now + kRefreshMargin < expires_at_) return std::nullopt;
  }
  auto jwt = assertion(now);
  if (!jwt) return std::nullopt;  // checked at load; cannot fail later
  CredentialRefresh r;
  r.upstream = token_upstream_;
  r.request.target = token_path_;
  r.request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.request.headers.emplace_back("Accept", "application/json");
  r.request.body =
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + *jwt;
  r.accept = [this, now](const UpstreamHead& head, std::string_view body) {
    return accept(head, body, now);
  };
  return r;
}

Result<void> GoogleTokenSource::accept(const UpstreamHead& head, std::string_view body,
                                       long long now) const {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  const json::object* o = !ec && parsed.is_object() ? &parsed.get_object() : nullptr;
  const json::value* token = o ? o->if_contains("access_token") : nullptr;
  if (head.status != 200 || token == nullptr || !token->is_string()) {
    std::string why = "HTTP " + std::to_string(head.status);
    if (o != nullptr && o->contains("error_description") && o->at("error_description").is_string())
      why += ": " + std::string(o->at("error_description").get_string());
    return auth_error("the service account token exchange failed (" + why + ")");
  }
  const json::value* expires = o->if_contains("expires_in");
  std::lock_guard lock(mutex_);
  token_ = token->get_string();
  expires_at_ = now + (expires && expires->is_int64() ? expires->get_int64() : 3600);
  return {};
}

std::string GoogleTokenSource::token() const {
  std::lock_guard lock(mutex_);
  return token_;
}

}  // namespace sluice::providers::gemini
