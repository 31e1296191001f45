#pragma once
// Budgets in USD, in tokens, or both, per key, team, user, endpoint, provider or in all, per UTC
// day or month (`budgets:`, each key's own, and those made through the admin API). The check
// reads the in-memory spend view, never the database.
//
// Reservations: a request is admitted only if its worst case fits in what is left once what was
// spent and what requests in flight hold is counted; it holds that worst case until it ends (its
// real cost is on the view by then). The worst case is the prompt as sluice's tokenizer counts it
// plus max_tokens (max_completion_tokens, times n) — 4,096 output tokens (times n) when the
// request sets none — priced at the endpoint model's dearest rates (on a route, the dearest of its
// destinations'); a token budget counts the same tokens. On a passthrough, whose body is in the
// provider's own shape, the prompt is taken as a token per three bytes of the body and the output
// cap from that shape's field (max_output_tokens, max_tokens, maxOutputTokens). So on one gateway,
// spend passes a budget only by what the estimate missed: a provider counting more prompt tokens
// than the tokenizer, or more than 4,096 output tokens on a request without max_tokens. A model
// without a price holds no dollars (its cost is unknown) and is refused by a dollar budget only
// once it is spent.
//
// Replicas: with `stores.redis`, holds and spend are checked and held in Redis for all replicas
// in one script (governance/shared_holds.hpp), so the bound is the same as on one gateway; Redis
// down follows redis_failure (open: this replica's own holds; closed: 503 budgets_unavailable).
// Without Redis, replicas see each other's spend within a second but not each other's holds.
//
// A request that does not fit gets what the budget's on_exceed says (docs/governance.md):
//   refuse    429 budget_exceeded, saying what was spent, what is held, and what would fit.
//   clamp     its output cap lowered to what the budget still allows (at least kMinClampTokens
//             per choice; else refused). Translated requests only: a passthrough is refused.
//   fallback  sent once, as it is, to the budget's fallback endpoint (same type, neither end with
//             a prompt template, the key allowed there, no pinned destination or
//             x-sluice-no-fallback; never a passthrough), which the budget then no longer holds it
//             to. The other budgets still do.
// The answer says what was done in `x-sluice-budget: clamped; max_tokens=N` or
// `x-sluice-budget: fallback; endpoint=NAME`.

#include <vector>

#include "governance/runtime.hpp"
#include "pipeline/policy.hpp"

namespace sluice::policies {

// The most a request can take: its prompt and output tokens and what they cost at the dearest
// rates of the endpoint model's price (see above).
struct WorstCase {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t output_tokens = 0;  // every choice's together
  std::uint64_t choices = 1;        // n
  double input_usd_per_token = 0;   // 0 with no price
  double output_usd_per_token = 0;
  governance::SpendView::Amount amount() const {
    return {static_cast<double>(prompt_tokens) * input_usd_per_token +
                static_cast<double>(output_tokens) * output_usd_per_token,
            static_cast<double>(prompt_tokens + output_tokens)};
  }
};
WorstCase worst_case(const pipeline::RequestContext& ctx);

struct BudgetsState {
  std::vector<governance::SpendView::Hold> holds;  // what this request holds, given back at the end
  governance::SpendView::Amount held;
  bool shared = false;                               // held in Redis (else in this replica's view)
  std::string hold_id;                               // its name there
  std::uint64_t clamped_to = 0;                      // the max_tokens set by on_exceed: clamp
  const config::Endpoint* fell_back = nullptr;       // where on_exceed: fallback sent the request
  const config::Endpoint* asked_endpoint = nullptr;  // and where it was going, until then
  const config::Route* asked_route = nullptr;
  std::string asked_name;
  // While the request is being admitted: the budgets behind `holds`, and its worst case.
  governance::BudgetList stored;  // kept so a reload cannot free what `specs` points into
  std::vector<const config::BudgetSpec*> specs;
  WorstCase worst;
  std::int64_t now_ms = 0;
};

class BudgetsPolicy : public pipeline::Stateful<BudgetsState> {
 public:
  // Output tokens assumed for a request that sets no max_tokens.
  static constexpr std::uint64_t kAssumedOutputTokens = 4096;
  // The fewest output tokens per choice on_exceed: clamp leaves a request; below, it is refused.
  static constexpr std::uint64_t kMinClampTokens = 16;

  explicit BudgetsPolicy(governance::Runtime& runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "budgets"; }
  unsigned hooks() const override { return kRequest | kUsage | kComplete | kHeaders; }
  // Skips a request no budget covers; else holds its worst case, or acts as on_exceed says
  // (429 budget_exceeded, clamp, fallback). With Redis: wait, and on_request_async asks it.
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  boost::asio::awaitable<pipeline::Step> on_request_async(pipeline::RequestContext& ctx,
                                                          void* state) const override;
  // The hold is given back once the cost is on the view (accounting's usage hook runs first),
  // before the client has the end of the answer: its next request must not meet this one's
  // hold (a race a test lost one time in six when it was given back only at completion).
  void on_usage(pipeline::RequestContext& ctx, void* state) const override {
    settle(ctx, state_of(state));
  }
  // Whatever on_usage did not cover: failures, hits, streams cut short.
  void on_complete(pipeline::RequestContext& ctx, void* state,
                   const pipeline::Outcome& outcome) const override;
  void add_headers(const pipeline::RequestContext& ctx, const void* state,
                   pipeline::HeaderList& headers) const override;

 private:
  // Gives the hold back and, with Redis, adds what was spent there. Once.
  void settle(pipeline::RequestContext& ctx, BudgetsState& st) const;
  // Admits against this replica's view alone.
  pipeline::Step admit_locally(pipeline::RequestContext& ctx, BudgetsState& st) const;
  // The request did not fit `short_of`: changes it as that budget's on_exceed says (nullopt: try
  // again) or gives the refusal.
  std::optional<Error> on_short(pipeline::RequestContext& ctx, BudgetsState& st,
                                const governance::SpendView::Short& short_of) const;

  governance::Runtime& runtime_;
};

}  // namespace sluice::policies
