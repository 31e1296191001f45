#include "policies/budgets/budgets.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <limits>

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

// The budgets that cover the request as it now is (its key, endpoint and provider), each with
// the spec it came from; `skip`: one left out (the budget a fallback escaped).
using Covering = std::vector<const config::BudgetSpec*>;
void collect(const pipeline::RequestContext& ctx, const governance::BudgetList& stored,
             const config::BudgetSpec* skip, std::vector<governance::SpendView::Hold>& holds,
             Covering& specs) {
  holds.clear();
  specs.clear();
  const governance::Subject s = subject_of(ctx);
  governance::each_budget(
      ctx.key.get(), ctx.snapshot->governance, stored, [&](const config::BudgetSpec& b) {
        if (&b == skip) return true;
        auto who = governance::counted_as(b.scope, b.match, s);
        if (!who) return true;
        holds.push_back(
            {b.scope, std::string(*who), b.per, b.usd, b.tokens, b.on_exceed, b.fallback});
        specs.push_back(&b);
        return true;
      });
}

// The largest output cap per choice the budgets' room allows the request (0: none that helps).
std::uint64_t clamp_cap(const WorstCase& w, const governance::SpendView::Amount& room) {
  double per_choice = std::numeric_limits<double>::infinity();
  const double choices = static_cast<double>(w.choices);
  if (std::isfinite(room.usd)) {
    if (w.output_usd_per_token <= 0) return 0;  // no price: lowering output cannot help
    per_choice = std::min(
        per_choice, (room.usd - static_cast<double>(w.prompt_tokens) * w.input_usd_per_token) /
                        w.output_usd_per_token / choices);
  }
  if (std::isfinite(room.tokens))
    per_choice =
        std::min(per_choice, (room.tokens - static_cast<double>(w.prompt_tokens)) / choices);
  if (!std::isfinite(per_choice) || per_choice < 1) return 0;
  // A hair under the exact quotient, so the dearer sum never lands a rounding error past it.
  const auto cap = static_cast<std::uint64_t>(std::floor(per_choice * (1 - 1e-9)));
  return cap < w.output_tokens / w.choices ? cap : 0;
}

// Lowers the request's output cap in the field it already uses (both when it sets both; else
// the one its provider reads best: OpenAI's reasoning models refuse max_tokens).
void set_output_cap(pipeline::RequestContext& ctx, std::uint64_t cap) {
  auto& body = ctx.request.body;
  bool set = false;
  for (const char* field : {"max_completion_tokens", "max_tokens"}) {
    if (const auto* v = body.if_contains(field); v && !v->is_null()) {
      body[field] = cap;
      set = true;
    }
  }
  if (set) return;
  const bool openai = ctx.endpoint->provider == "openai" || ctx.endpoint->provider == "azure";
  body[openai && ctx.request.operation == model::Operation::kChat ? "max_completion_tokens"
                                                                  : "max_tokens"] = cap;
}

std::string tokens_text(double n) { return std::to_string(static_cast<std::uint64_t>(n)); }

Error refusal(const governance::SpendView::Hold& h, const governance::SpendView::Short& s,
              const WorstCase& w, std::string_view why_not_else) {
  std::string message = "Budget exceeded: the ";
  message += config::scope_name(h.scope);
  if (!h.name.empty()) message += " '" + h.name + "'";
  const std::string per(config::period_name(h.per));
  const auto want = w.amount();
  bool room_left = false;
  double could = 0;
  if (s.tokens) {
    message += " has used " + tokens_text(s.spent.tokens) + " of its " +
               std::to_string(h.limit_tokens) + " tokens this " + per;
    if (s.held.tokens > 0) message += ", and requests in flight hold " + tokens_text(s.held.tokens);
    room_left = s.spent.tokens + s.held.tokens < static_cast<double>(h.limit_tokens);
    could = want.tokens;
  } else {
    message += " has spent $" + util::dollars(s.spent.usd) + " of its $" +
               util::dollars(*h.limit_usd) + " this " + per;
    if (s.held.usd > 0) message += ", and requests in flight hold $" + util::dollars(s.held.usd);
    room_left = want.usd > 0 && s.spent.usd + s.held.usd < *h.limit_usd;
    could = want.usd;
  }
  if (room_left) {
    // Room is left, only not for this request's worst case: say what would fit.
    message += std::string("; this request could ") + (s.tokens ? "take" : "cost") + " up to " +
               (s.tokens ? tokens_text(could) + " tokens" : "$" + util::dollars(could)) +
               " (its prompt and max_tokens" + (s.tokens ? "" : " at the model's price") + "; " +
               std::to_string(BudgetsPolicy::kAssumedOutputTokens) +
               " output tokens when max_tokens is not set). A smaller max_tokens may fit.";
  } else {
    message += ".";
  }
  if (!why_not_else.empty()) message += " " + std::string(why_not_else);
  Error e = Error::make(ErrorCode::kRateLimited, std::move(message));
  e.error_code = "budget_exceeded";
  return e;
}

}  // namespace

WorstCase worst_case(const pipeline::RequestContext& ctx) {
  WorstCase w;
  if (ctx.endpoint == nullptr) return w;
  if (ctx.passthrough) {
    // The provider's own shape (a Responses `input`, Anthropic's `system` and tools, Gemini's
    // `contents`), which the chat tokenizer does not read: a token per three bytes of the body,
    // more than text averages.
    w.prompt_tokens = boost::json::serialize(ctx.request.body).size() / 3 + 1;
    w.output_tokens = passthrough_output_cap(ctx.request.body);
  } else {
    const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
    w.prompt_tokens =
        tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body);
    w.output_tokens = tokenizer::max_completion_tokens(ctx.request.body);  // times n
  }
  const std::uint64_t n = count_of(ctx.request.body.if_contains("n"));
  w.choices = n > 1 ? n : 1;
  if (w.output_tokens == 0 && ctx.request.operation != model::Operation::kEmbeddings)
    w.output_tokens = BudgetsPolicy::kAssumedOutputTokens * w.choices;
  const auto& prices = ctx.snapshot->governance.prices;
  const pricing::ModelPrice* price =
      prices ? prices->find(ctx.endpoint->provider, ctx.endpoint->model_name) : nullptr;
  if (price == nullptr) return w;
  // Each token at the dearest rate it could be billed at (the long-context one past its bound).
  if (price->long_context && w.prompt_tokens > price->long_context_above)
    price = price->long_context.get();
  w.input_usd_per_token = std::max({price->input, price->cache_write.value_or(0)}) / 1e6;
  w.output_usd_per_token = std::max(price->output, price->reasoning.value_or(0)) / 1e6;
  return w;
}

pipeline::Step BudgetsPolicy::on_request(pipeline::RequestContext& ctx, void* state) const {
  if (ctx.snapshot->governance.budgets.empty() && !(ctx.key && ctx.key->budget) &&
      !runtime_.has_store_budgets())
    return pipeline::Step::skip();
  BudgetsState& st = state_of(state);
  // Held for this call only: a reload swapping the list cannot free what `specs` points into.
  const governance::BudgetList stored = runtime_.store_budgets_if_any();
  Covering specs;
  collect(ctx, stored, nullptr, st.holds, specs);
  if (st.holds.empty()) return pipeline::Step::skip();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  WorstCase w = worst_case(ctx);
  // Each round either admits, refuses, or changes the request (clamped, or sent elsewhere) and
  // tries again; every change is made at most once, so this ends.
  for (;;) {
    const auto want = w.amount();
    const auto short_of = runtime_.spend().try_reserve(st.holds, want, now);
    if (!short_of) {
      st.held = want;
      return pipeline::Step::next();
    }
    const auto& h = st.holds[short_of->index];
    std::string_view why_not;
    if (h.on_exceed == config::OnExceed::kClamp && st.clamped_to == 0) {
      const std::uint64_t cap =
          ctx.passthrough ? 0 : clamp_cap(w, runtime_.spend().room(st.holds, now));
      if (cap >= kMinClampTokens) {
        set_output_cap(ctx, cap);
        w.output_tokens = cap * w.choices;
        st.clamped_to = cap;
        continue;
      }
      why_not = ctx.passthrough
                    ? "(A provider-native request is not clamped.)"
                    : "Too little is left to clamp this request's max_tokens to (at least 16 "
                      "output tokens).";
    } else if (h.on_exceed == config::OnExceed::kFallback && st.fell_back == nullptr) {
      const config::Endpoint* to = ctx.snapshot->find(h.fallback);
      if (to != nullptr && to != ctx.endpoint && to->operation == ctx.endpoint->operation &&
          !ctx.passthrough) {
        const config::BudgetSpec* escaped = specs[short_of->index];
        ctx.endpoint = to;
        ctx.route = nullptr;  // sent there once, as it is
        ctx.plan.clear();
        ctx.plan_error.reset();
        ctx.prompt_version.clear();
        st.fell_back = to;
        st.clamped_to = 0;
        collect(ctx, stored, escaped, st.holds, specs);
        w = worst_case(ctx);
        continue;
      }
      why_not = to == nullptr        ? "(Its fallback endpoint does not exist.)"
                : ctx.passthrough    ? "(A provider-native request is not sent to a fallback.)"
                : to == ctx.endpoint ? ""
                                     : "(Its fallback endpoint is of another type.)";
    }
    Error e = refusal(h, *short_of, w, why_not);
    st.holds.clear();
    observability::Metrics::global().budget_rejected.fetch_add(1, std::memory_order_relaxed);
    return pipeline::Step::fail(std::move(e));
  }
}

void BudgetsPolicy::on_complete(pipeline::RequestContext&, void* state,
                                const pipeline::Outcome&) const {
  BudgetsState& st = state_of(state);
  // The real cost went onto the view in accounting's hooks, which run before this one.
  runtime_.spend().release(st.holds, st.held);
  st.held = {};
}

void BudgetsPolicy::add_headers(const pipeline::RequestContext&, const void* state,
                                pipeline::HeaderList& headers) const {
  const BudgetsState& st = state_of(state);
  if (st.clamped_to > 0)
    headers.emplace_back("x-sluice-budget", "clamped; max_tokens=" + std::to_string(st.clamped_to));
  if (st.fell_back != nullptr)
    headers.emplace_back("x-sluice-budget", "fallback; endpoint=" + st.fell_back->name);
}

}  // namespace sluice::policies
