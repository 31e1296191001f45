#pragma once
// Gateway keys (`auth.mode: keys`). Two steps, because they need different things:
// - authenticate(): who is calling. Runs before the endpoint is looked up, so a caller without a
//   valid key learns nothing about which endpoints exist. Missing, unknown, expired or disabled
//   → 401; the key itself never appears in an error or a log line.
// - AuthPolicy: whether that key may use the endpoint or route it named (its `endpoints` globs)
//   and the model behind it (`models` globs) → 403 otherwise.

#include <optional>

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"

namespace sluice::policies {

using pipeline::RequestContext;

// Whether the key's `endpoints` globs allow this name and its `models` globs this model.
bool key_allows_endpoint(const config::KeySpec& key, std::string_view name);
bool key_allows_model(const config::KeySpec& key, std::string_view model);

// Why a key found by its secret may not be used (disabled, expired: 401); nullopt when it may.
std::optional<Error> unusable(const config::KeySpec& key);

// Sets ctx.key from ctx.presented_key; an error when the request may not go on.
std::optional<Error> authenticate(RequestContext& ctx, const governance::Runtime& runtime);
// The key check itself, whether or not the config requires keys: the presented key (ctx.key on
// success), or the 401 for none, an unknown, disabled or expired one. GET /v1/key uses it to
// describe a key sent to a gateway that does not require them.
std::optional<Error> identify_key(RequestContext& ctx, const governance::Runtime& runtime);

// The 403 for a key used on a Host that server.hosts gives to another workspace.
Error wrong_host(std::string_view host_workspace);

class AuthPolicy : public pipeline::Policy {
 public:
  std::string_view name() const override { return "auth"; }
  unsigned hooks() const override { return kRequest; }
  // Skips a request without a key (keys are off); fails one whose key may not go there.
  pipeline::Step on_request(RequestContext& ctx, void* state) const override;
};

}  // namespace sluice::policies
