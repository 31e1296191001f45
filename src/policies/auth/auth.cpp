#include "policies/auth/auth.hpp"

#include <chrono>

#include "observability/metrics.hpp"
#include "util/key_secret.hpp"

namespace sluice::policies {

namespace {

Error unauthorized(std::string message, const char* code) {
  observability::Metrics::global().auth_rejected.fetch_add(1, std::memory_order_relaxed);
  Error e = Error::make(ErrorCode::kUnauthorized, std::move(message));
  e.error_code = code;
  return e;
}

Error forbidden(std::string message, const char* code, const char* param) {
  observability::Metrics::global().auth_rejected.fetch_add(1, std::memory_order_relaxed);
  Error e = Error::make(ErrorCode::kForbidden, std::move(message));
  e.error_code = code;
  e.param = param;
  return e;
}

bool any_glob(const std::vector<std::string>& globs, std::string_view name) {
  if (globs.empty()) return true;
  for (const auto& g : globs) {
    if (util::glob_match(g, name)) return true;
  }
  return false;
}

}  // namespace

bool key_allows_endpoint(const config::KeySpec& key, std::string_view name) {
  return any_glob(key.endpoints, name);
}

bool key_allows_model(const config::KeySpec& key, std::string_view model) {
  return any_glob(key.models, model);
}

std::optional<Error> authenticate(RequestContext& ctx, const governance::Runtime& runtime) {
  if (!ctx.snapshot->governance.keys_required) return std::nullopt;
  return identify_key(ctx, runtime);
}

std::optional<Error> identify_key(RequestContext& ctx, const governance::Runtime& runtime) {
  const auto& g = ctx.snapshot->governance;
  if (ctx.presented_key.empty()) {
    return unauthorized(
        "Missing gateway key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
        "missing_api_key");
  }
  auto key = runtime.find_key(g, ctx.presented_key);
  if (key == nullptr) return unauthorized("Invalid gateway key.", "invalid_api_key");
  if (auto e = unusable(*key)) return e;
  ctx.key = std::move(key);
  return std::nullopt;
}

std::optional<Error> unusable(const config::KeySpec& key) {
  if (key.disabled) return unauthorized("This gateway key is disabled.", "key_disabled");
  if (key.expires_at) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    if (now >= *key.expires_at) return unauthorized("This gateway key has expired.", "key_expired");
  }
  return std::nullopt;
}

Error wrong_host(std::string_view host_workspace) {
  return forbidden("This gateway key belongs to another workspace than '" +
                       std::string(host_workspace) + "', which this host serves.",
                   "wrong_workspace", "");
}

pipeline::Step AuthPolicy::on_request(RequestContext& ctx, void* /*state*/) const {
  if (!ctx.key) return pipeline::Step::skip();
  const config::KeySpec& key = *ctx.key;
  // The name the client asked for (a route or an endpoint) is what `endpoints` allows.
  const std::string_view asked = !ctx.request.endpoint.empty()
                                     ? std::string_view(ctx.request.endpoint)
                                 : ctx.endpoint != nullptr ? std::string_view(ctx.endpoint->name)
                                                           : std::string_view();
  if (!key_allows_endpoint(key, asked)) {
    return pipeline::Step::fail(
        forbidden("This gateway key may not use '" + std::string(asked) + "'.",
                  "endpoint_not_allowed", "model"));
  }
  // (On the raw proxy, the model the client names; one it names in no way the gateway reads
  // passes no `models` list.)
  if (ctx.endpoint != nullptr && !key_allows_model(key, ctx.model_name())) {
    return pipeline::Step::fail(
        forbidden("This gateway key may not use the model behind '" + std::string(asked) + "'.",
                  "model_not_allowed", "model"));
  }
  return pipeline::Step::next();
}

}  // namespace sluice::policies
