#pragma once
// Named routes' prompt settings (prompts/template.hpp), applied on every path that reaches the
// endpoint: the template fills the messages (chat) or prompt (completions) from the request's
// fields when the request does not bring its own; `parameters` fill absent fields; `overrides`
// replace whatever the client sent; `limits.max_tokens` clamps or rejects.

#include "pipeline/policy.hpp"

namespace sluice::policies {

class PromptPolicy : public pipeline::Policy {
 public:
  std::string_view name() const override { return "prompt"; }
  unsigned hooks() const override { return kRequest; }
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  // The request prepared for ctx.endpoint: nullopt to continue, or the error to answer with.
  // Also what the router calls when a route moves to a destination with its own settings.
  static std::optional<Error> apply(routing::RouteCall& ctx);
};

}  // namespace sluice::policies
