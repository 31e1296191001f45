#pragma once
// Request and token limits per key, team, user, endpoint, provider and in all (`limits:` and
// each key's own). Requests count 1 each; tokens reserve the estimated prompt tokens plus the
// completion limit before the call and settle to the provider's usage after it (a stream at its
// end). Exceeded → 429 with Retry-After; the tightest limit of each kind is reported in OpenAI's
// x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers on every response.

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"

namespace sluice::pipeline {

class QuotaPolicy : public Policy {
 public:
  explicit QuotaPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "quota"; }
  bool applies(const RequestContext& ctx) const override {
    return !ctx.snapshot->governance.limits.empty() || (ctx.key && !ctx.key->limits.empty());
  }
  // In-process counters: decided at once. Redis: nullopt, and on_request waits for its answer.
  std::optional<Verdict> decide(RequestContext& ctx) const override;
  boost::asio::awaitable<Verdict> on_request(RequestContext& ctx) const override;
  void on_usage(RequestContext& ctx) const override { settle(ctx); }
  void on_complete(RequestContext& ctx, const Outcome&) const override { settle(ctx); }

 private:
  struct Wanted;
  // The limits that apply to the request, with the token estimate; false when none does.
  bool collect(RequestContext& ctx, Wanted& wanted) const;
  Verdict conclude(RequestContext& ctx, const Wanted& wanted,
                   std::optional<governance::LimitDecision> decision) const;
  void settle(RequestContext& ctx) const;
  governance::Runtime& runtime_;
};

}  // namespace sluice::pipeline
