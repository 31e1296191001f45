#pragma once
// Named routes' prompt settings (prompts/template.hpp), applied on every path that reaches the
// endpoint: the template fills the messages (chat) or prompt (completions) from the request's
// fields when the request does not bring its own; `parameters` fill absent fields; `overrides`
// replace whatever the client sent; `limits.max_tokens` clamps or rejects.

#include "pipeline/policy.hpp"

namespace sluice::pipeline {

class PromptPolicy : public Policy {
 public:
  std::string_view name() const override { return "prompt"; }
  bool applies(const RequestContext& ctx) const override {
    return ctx.endpoint != nullptr && ctx.endpoint->prompt != nullptr && !ctx.passthrough;
  }
  boost::asio::awaitable<Verdict> on_request(RequestContext& ctx) const override;
  // The synchronous core, for tests: nullopt to continue, or the error to answer with.
  static std::optional<Error> apply(RequestContext& ctx);
};

}  // namespace sluice::pipeline
