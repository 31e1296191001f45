#pragma once
// Request and token limits per key, team, user, endpoint, provider and in all (`limits:` and
// each key's own). Requests count 1 each; tokens reserve the estimated prompt tokens plus the
// completion limit before the call and settle to the provider's usage after it (a stream at its
// end). Exceeded → 429 with Retry-After; the tightest limit of each kind is reported in OpenAI's
// x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers on every response.

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"
#include "stores/limiter.hpp"

namespace sluice::policies {

struct LimitsState {
  std::vector<stores::LimitState> limit_states;   // for the x-ratelimit-* headers
  std::vector<stores::Reservation> reservations;  // token reservations to settle
  std::uint64_t reserved_tokens = 0;              // estimated prompt + max completion tokens
};

class LimitsPolicy : public pipeline::Stateful<LimitsState> {
 public:
  explicit LimitsPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "limits"; }
  unsigned hooks() const override { return kRequest | kUsage | kComplete | kHeaders; }
  // In-process counters: decided at once. Redis: wait, and on_request_async asks it.
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  boost::asio::awaitable<pipeline::Step> on_request_async(pipeline::RequestContext& ctx,
                                                          void* state) const override;
  void on_usage(pipeline::RequestContext& ctx, void* state) const override { settle(ctx, state); }
  void on_complete(pipeline::RequestContext& ctx, void* state,
                   const pipeline::Outcome&) const override {
    settle(ctx, state);
  }
  // x-ratelimit-{limit,remaining,reset}-{requests,tokens}: the tightest limit of each kind.
  void add_headers(const pipeline::RequestContext& ctx, const void* state,
                   pipeline::HeaderList& headers) const override;

 private:
  struct Wanted;
  // The limits that apply to the request, with the token estimate; false when none does.
  bool collect(pipeline::RequestContext& ctx, LimitsState& state, Wanted& wanted) const;
  pipeline::Step conclude(pipeline::RequestContext& ctx, LimitsState& state, const Wanted& wanted,
                          std::optional<stores::LimitDecision> decision) const;
  void settle(pipeline::RequestContext& ctx, void* state) const;
  governance::Runtime& runtime_;
};

// OpenAI's "6m0s" / "1.5s" / "20ms" durations, as in x-ratelimit-reset-*.
std::string reset_duration(double seconds);

}  // namespace sluice::policies
