#include "policies/budgets/budgets.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "governance/scope.hpp"
#include "observability/metrics.hpp"
#include "policies/subject.hpp"
#include "tokenizer/chat_tokens.hpp"
#include "tokenizer/encoding.hpp"
#include "util/money.hpp"

namespace sluice::policies {

namespace {

std::uint64_t count_of(const boost::json::value* v) {
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<std::uint64_t>(v->get_int64());
  return 0;
}

// The output cap of a body in a provider's own shape: OpenAI chat's max_completion_tokens or
// max_tokens, the Responses API's max_output_tokens, Anthropic's max_tokens, Gemini's
// generationConfig.maxOutputTokens. 0: none given.
std::uint64_t passthrough_output_cap(const boost::json::object& body) {
  for (const char* field : {"max_completion_tokens", "max_output_tokens", "max_tokens"}) {
    if (std::uint64_t n = count_of(body.if_contains(field))) return n;
  }
  if (const auto* g = body.if_contains("generationConfig"); g && g->is_object())
    return count_of(g->get_object().if_contains("maxOutputTokens"));
  return 0;
}

}  // namespace

double worst_case_usd(const pipeline::RequestContext& ctx) {
  const auto& prices = ctx.snapshot->governance.prices;
  if (ctx.endpoint == nullptr || !prices) return 0;
  const pricing::ModelPrice* price = prices->find(ctx.endpoint->provider, ctx.endpoint->model_name);
  if (price == nullptr) return 0;
  std::uint64_t prompt = 0;
  std::uint64_t output = 0;
  if (ctx.passthrough) {
    // The provider's own shape (a Responses `input`, Anthropic's `system` and tools, Gemini's
    // `contents`), which the chat tokenizer does not read: a token per three bytes of the body,
    // more than text averages.
    prompt = boost::json::serialize(ctx.request.body).size() / 3 + 1;
    output = passthrough_output_cap(ctx.request.body);
  } else {
    const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
    prompt = tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body);
    output = tokenizer::max_completion_tokens(ctx.request.body);
  }
  if (output == 0 && ctx.request.operation != model::Operation::kEmbeddings) {
    const std::uint64_t n = count_of(ctx.request.body.if_contains("n"));
    output = BudgetsPolicy::kAssumedOutputTokens * (n > 1 ? n : 1);
  }
  // Each token at the dearest rate it could be billed at (the long-context one past its bound).
  if (price->long_context && prompt > price->long_context_above) price = price->long_context.get();
  const double input = std::max({price->input, price->cache_write.value_or(0)});
  const double out = std::max(price->output, price->reasoning.value_or(0));
  return (static_cast<double>(prompt) * input + static_cast<double>(output) * out) / 1e6;
}

pipeline::Step BudgetsPolicy::on_request(pipeline::RequestContext& ctx, void* state) const {
  if (ctx.snapshot->governance.budgets.empty() && !(ctx.key && ctx.key->budget) &&
      !runtime_.has_store_budgets())
    return pipeline::Step::skip();
  const governance::Subject s = subject_of(ctx);
  BudgetsState& st = state_of(state);
  governance::each_budget(ctx.key.get(), ctx.snapshot->governance, runtime_.store_budgets_if_any(),
                          [&](const config::BudgetSpec& b) {
                            auto who = governance::counted_as(b.scope, b.match, s);
                            if (!who) return true;
                            st.holds.push_back({b.scope, std::string(*who), b.per, b.usd});
                            return true;
                          });
  if (st.holds.empty()) return pipeline::Step::skip();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const double worst = worst_case_usd(ctx);
  auto short_of = runtime_.spend().try_reserve(st.holds, worst, now);
  if (!short_of) {
    st.held_usd = worst;
    return pipeline::Step::next();
  }
  const auto& h = st.holds[short_of->index];
  std::string message = "Budget exceeded: the ";
  message += config::scope_name(h.scope);
  if (!h.name.empty()) message += " '" + h.name + "'";
  message += " has spent $" + util::dollars(short_of->spent_usd) + " of its $" +
             util::dollars(h.limit_usd) + " this " + std::string(config::period_name(h.per));
  if (short_of->held_usd > 0)
    message += ", and requests in flight hold $" + util::dollars(short_of->held_usd);
  if (worst > 0 && short_of->spent_usd + short_of->held_usd < h.limit_usd) {
    // Room is left, only not for this request's worst case: say what would fit.
    message += "; this request could cost up to $" + util::dollars(worst) +
               " (its prompt and max_tokens at the model's price; " +
               std::to_string(kAssumedOutputTokens) +
               " output tokens when max_tokens is not set). A smaller max_tokens may fit.";
  } else {
    message += ".";
  }
  st.holds.clear();
  Error e = Error::make(ErrorCode::kRateLimited, std::move(message));
  e.error_code = "budget_exceeded";
  observability::Metrics::global().budget_rejected.fetch_add(1, std::memory_order_relaxed);
  return pipeline::Step::fail(std::move(e));
}

void BudgetsPolicy::on_complete(pipeline::RequestContext&, void* state,
                                const pipeline::Outcome&) const {
  BudgetsState& st = state_of(state);
  // The real cost went onto the view in accounting's hooks, which run before this one.
  runtime_.spend().release(st.holds, st.held_usd);
  st.held_usd = 0;
}

}  // namespace sluice::policies
