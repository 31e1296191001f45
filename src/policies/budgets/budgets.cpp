#include "policies/budgets/budgets.hpp"

#include <algorithm>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <limits>

#include "config/workspace.hpp"
#include "governance/scope.hpp"
#include "governance/shared_holds.hpp"
#include "observability/metrics.hpp"
#include "policies/auth/auth.hpp"
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
        // An alert budget only watches: it never holds or refuses (the accounting policy says
        // when it is crossed).
        if (b.on_exceed == config::OnExceed::kAlert) return true;
        auto who = governance::counted_as(b.scope, b.match, s);
        if (!who) return true;
        holds.push_back(
            {b.scope, std::string(*who), b.per, b.usd, b.tokens, b.on_exceed, b.fallback});
        specs.push_back(&b);
        return true;
      });
}

// The largest output cap per choice the short budget's room allows the request (0: none that
// helps). Another budget short too is met on the next try, and clamps lower if it says so.
std::uint64_t clamp_cap(const WorstCase& w, const governance::SpendView::Hold& h,
                        const governance::SpendView::Short& s) {
  const double choices = static_cast<double>(w.choices);
  const double prompt = static_cast<double>(w.prompt_tokens);
  double per_choice = 0;
  if (s.tokens) {
    per_choice =
        (static_cast<double>(h.limit_tokens) - s.spent.tokens - s.held.tokens - prompt) / choices;
  } else {
    if (w.output_usd_per_token <= 0) return 0;  // no price: lowering output cannot help
    per_choice = (*h.limit_usd - s.spent.usd - s.held.usd - prompt * w.input_usd_per_token) /
                 w.output_usd_per_token / choices;
  }
  if (!std::isfinite(per_choice) || per_choice < 1) return 0;
  // A hair under the exact quotient, so the dearer sum never lands a rounding error past it.
  const auto cap = static_cast<std::uint64_t>(std::floor(per_choice * (1 - 1e-9)));
  return cap < w.output_tokens / w.choices ? cap : 0;
}

// Lowers the request's output cap in the field it already uses (both when it sets both; else
// the one its provider reads best: OpenAI's reasoning models refuse max_tokens).
void set_output_cap(const pipeline::RequestContext& ctx, boost::json::object& body,
                    std::uint64_t cap) {
  bool set = false;
  for (const char* field : {"max_completion_tokens", "max_tokens"}) {
    if (const auto* v = body.if_contains(field); v && !v->is_null()) {
      // Only ever lowered: a smaller cap the client set on the other field stays.
      if (count_of(v) > cap) body[field] = cap;
      set = true;
    }
  }
  if (set) return;
  const bool openai = ctx.endpoint->provider == "openai" || ctx.endpoint->provider == "azure";
  body[openai && ctx.request.operation == model::Operation::kChat ? "max_completion_tokens"
                                                                  : "max_tokens"] = cap;
}

// The clamp holds wherever the request goes: a route's next destination is prepared again from
// the client's body as it came (pristine_body), which is lowered too.
void clamp_request(pipeline::RequestContext& ctx, std::uint64_t cap) {
  set_output_cap(ctx, ctx.request.body, cap);
  if (ctx.pristine_body) set_output_cap(ctx, *ctx.pristine_body, cap);
}

// Why the request cannot go to `to` instead (empty: it can). It is sent there as it is, with the
// chain of the endpoint it asked for: neither end may rewrite it with a prompt template, the key
// must be allowed there, and a client that pinned a destination or refused fallbacks is refused.
std::string_view fallback_refused(const pipeline::RequestContext& ctx, const config::Endpoint* to) {
  // Another workspace's endpoint does not exist for this request, whoever named it: a budget
  // names its fallback once, and the name may later belong to another workspace.
  if (to != nullptr && !config::workspace_visible(ctx.workspace, to->workspace)) to = nullptr;
  if (to == nullptr) return "(Its fallback endpoint does not exist.)";
  if (to == ctx.endpoint) return "";
  if (to->operation != ctx.endpoint->operation)
    return "(Its fallback endpoint is of another type.)";
  if (ctx.passthrough) return "(A provider-native request is not sent to a fallback.)";
  if (ctx.endpoint->prompt || to->prompt || ctx.request.templated)
    return "(A request to or from an endpoint with a prompt template is not sent to a fallback.)";
  if (ctx.key &&
      (!key_allows_endpoint(*ctx.key, to->name) || !key_allows_model(*ctx.key, to->model_name)))
    return "(This gateway key may not use its fallback endpoint.)";
  if (!ctx.choice.pin.empty() || ctx.choice.no_fallback)
    return "(The request pins its destination or refuses fallbacks.)";
  return "";
}

std::string tokens_text(double n) { return std::to_string(static_cast<std::uint64_t>(n)); }

Error refusal(const governance::SpendView::Hold& h, const governance::SpendView::Short& s,
              const WorstCase& w, std::string_view why_not_else, model::Operation op) {
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
  // Said once: what would fit (a smaller max_tokens), or why on_exceed could not act.
  if (room_left && (op == model::Operation::kEmbeddings || !why_not_else.empty())) {
    message += "; this request could " + std::string(s.tokens ? "take" : "cost") + " up to " +
               (s.tokens ? tokens_text(could) + " tokens" : "$" + util::dollars(could)) + ".";
  } else if (room_left) {
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

// What the chat tokenizer's prompt count leaves out and a provider bills as prompt: tool and
// function definitions and a response_format schema (counted as their JSON text, about what
// providers count), and images (each at kImageTokens, above what OpenAI and Anthropic bill for
// the largest image they accept). Agents send thousands of tokens of tool definitions.
constexpr std::uint64_t kImageTokens = 1600;
std::uint64_t unread_prompt_tokens(const tokenizer::Encoding& encoding,
                                   const boost::json::object& body) {
  std::uint64_t n = 0;
  for (const char* field : {"tools", "functions", "response_format"}) {
    if (const auto* v = body.if_contains(field); v && !v->is_null())
      n += encoding.count(boost::json::serialize(*v));
  }
  const auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return n;
  for (const auto& m : messages->get_array()) {
    const auto* content = m.is_object() ? m.get_object().if_contains("content") : nullptr;
    if (content == nullptr || !content->is_array()) continue;
    for (const auto& part : content->get_array()) {
      const auto* type = part.is_object() ? part.get_object().if_contains("type") : nullptr;
      if (type != nullptr && type->is_string() &&
          (type->get_string() == "image_url" || type->get_string() == "image" ||
           type->get_string() == "input_image"))
        n += kImageTokens;
    }
  }
  return n;
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
    w.output_tokens = tokenizer::native_max_output_tokens(ctx.request.body);
  } else {
    const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
    w.prompt_tokens =
        tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body) +
        unread_prompt_tokens(encoding, ctx.request.body);
    w.output_tokens = tokenizer::max_completion_tokens(ctx.request.body);  // times n
  }
  const std::uint64_t n = count_of(ctx.request.body.if_contains("n"));
  w.choices = n > 1 ? n : 1;
  if (w.output_tokens == 0 && ctx.request.operation != model::Operation::kEmbeddings) {
    w.output_tokens = w.choices > UINT64_MAX / 2 / BudgetsPolicy::kAssumedOutputTokens
                          ? UINT64_MAX / 2
                          : BudgetsPolicy::kAssumedOutputTokens * w.choices;
  }
  const auto& prices = ctx.snapshot->governance.prices;
  if (!prices) return w;
  const boost::json::value* tier = ctx.request.body.if_contains("service_tier");
  // Each token at the dearest rate it could be billed at: of the tier asked for, the long-context
  // rate past its bound, and on a route, of any destination a retry or fallback may reach.
  auto rates = [&](const pricing::ModelPrice* price) {
    if (price->long_context && w.prompt_tokens > price->long_context_above)
      price = price->long_context.get();
    w.input_usd_per_token =
        std::max({w.input_usd_per_token, price->input / 1e6, price->cache_write.value_or(0) / 1e6});
    w.output_usd_per_token =
        std::max({w.output_usd_per_token, price->output / 1e6, price->reasoning.value_or(0) / 1e6});
  };
  // A request that names its tier is served at it; one that does not (or says auto) may be
  // served at any the project defaults to, priority included: the dearest.
  const bool named_tier = tier != nullptr && tier->is_string() && tier->get_string() != "auto";
  auto take_model = [&](const config::Endpoint& e, std::string_view model) {
    const pricing::ModelPrice* price = prices->find(e.provider, model);
    if (price == nullptr) return;
    if (named_tier) return rates(&price->for_tier(tier->get_string()));
    rates(price);
    for (const auto& [name, tiered] : price->service_tiers) rates(tiered.get());
  };
  auto take = [&](const config::Endpoint& e) { take_model(e, e.model_name); };
  if (ctx.route != nullptr) {
    for (const auto& d : ctx.route->destinations) take(ctx.snapshot->endpoints[d.endpoint]);
  } else {
    take(*ctx.endpoint);
    // The raw proxy runs the model the client names: held at the dearer of it and the
    // endpoint's (what price_request charges, or more).
    if (ctx.raw_proxy) take_model(*ctx.endpoint, ctx.model_name());
  }
  return w;
}

pipeline::Step BudgetsPolicy::on_request(pipeline::RequestContext& ctx, void* state) const {
  if (ctx.snapshot->governance.budgets.empty() && !(ctx.key && ctx.key->budget) &&
      !runtime_.has_store_budgets())
    return pipeline::Step::skip();
  BudgetsState& st = state_of(state);
  st.stored = runtime_.store_budgets_if_any();
  collect(ctx, st.stored, nullptr, st.holds, st.specs);
  if (st.holds.empty()) return pipeline::Step::skip();
  st.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  st.worst = worst_case(ctx);
  if (runtime_.redis() != nullptr) return pipeline::Step::wait();
  return admit_locally(ctx, st);
}

pipeline::Step BudgetsPolicy::admit_locally(pipeline::RequestContext& ctx, BudgetsState& st) const {
  // Each round either admits, refuses, or changes the request (clamped lower, or sent elsewhere
  // once) and tries again, so this ends.
  for (;;) {
    const auto want = st.worst.amount();
    const auto short_of = runtime_.spend().try_reserve(st.holds, want, st.now_ms);
    if (!short_of) {
      st.held = want;
      return pipeline::Step::next();
    }
    if (auto refused = on_short(ctx, st, *short_of)) return pipeline::Step::fail(*refused);
  }
}

boost::asio::awaitable<pipeline::Step> BudgetsPolicy::on_request_async(
    pipeline::RequestContext& ctx, void* state) const {
  BudgetsState& st = state_of(state);
  auto* redis = runtime_.redis();
  st.hold_id = governance::new_hold_id();
  for (;;) {
    const auto want = st.worst.amount();
    // The answer comes on the Redis thread; it is handed back to this request's executor.
    governance::SharedReserved verdict =
        co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                             void(governance::SharedReserved)>(
            [&](auto handler) {
              auto shared = std::make_shared<decltype(handler)>(std::move(handler));
              auto executor = boost::asio::get_associated_executor(*shared);
              governance::reserve_shared(
                  *redis, runtime_.spend(), st.holds, want, st.now_ms, st.hold_id,
                  [shared, executor](governance::SharedReserved v) {
                    boost::asio::post(executor, [shared, v]() mutable { (*shared)(v); });
                  });
            },
            boost::asio::use_awaitable);
    if (!verdict) {
      // Redis did not answer: this replica's own holds, or a refusal, as configured.
      if (ctx.snapshot->governance.store.redis_fail_open) co_return admit_locally(ctx, st);
      Error e = Error::make(ErrorCode::kServiceUnavailable,
                            "Budgets cannot be checked right now (the shared store is "
                            "unavailable); try again shortly.");
      e.error_code = "budgets_unavailable";
      e.retry_after_s = 1;
      co_return pipeline::Step::fail(std::move(e));
    }
    if (!*verdict) {
      st.held = want;
      st.shared = true;
      co_return pipeline::Step::next();
    }
    if (auto refused = on_short(ctx, st, **verdict)) co_return pipeline::Step::fail(*refused);
  }
}

std::optional<Error> BudgetsPolicy::on_short(pipeline::RequestContext& ctx, BudgetsState& st,
                                             const governance::SpendView::Short& s) const {
  const auto& h = st.holds[s.index];
  std::string_view why_not;
  if (h.on_exceed == config::OnExceed::kClamp) {
    const std::uint64_t cap = ctx.passthrough ? 0 : clamp_cap(st.worst, h, s);
    if (cap >= kMinClampTokens) {
      clamp_request(ctx, cap);
      st.worst.output_tokens = cap * st.worst.choices;
      st.clamped_to = cap;
      return std::nullopt;
    }
    why_not = ctx.passthrough ? "(A provider-native request is not clamped.)"
                              : "Too little is left to clamp this request's max_tokens to (at "
                                "least 16 output tokens).";
  } else if (h.on_exceed == config::OnExceed::kFallback && st.fell_back == nullptr) {
    const config::Endpoint* to = ctx.snapshot->find(h.fallback);
    why_not = fallback_refused(ctx, to);
    if (why_not.empty() && to != ctx.endpoint) {
      const config::BudgetSpec* escaped = st.specs[s.index];
      st.asked_endpoint = ctx.endpoint;
      st.asked_route = ctx.route;
      st.asked_name = ctx.request.endpoint;
      ctx.endpoint = to;
      ctx.route = nullptr;  // sent there once, as it is
      ctx.plan.clear();
      ctx.plan_error.reset();
      ctx.prompt_version.clear();
      ctx.request.endpoint = to->name;
      st.fell_back = to;
      collect(ctx, st.stored, escaped, st.holds, st.specs);
      const std::uint64_t clamped = st.worst.output_tokens;  // a clamp already made still holds
      st.worst = worst_case(ctx);
      if (st.clamped_to > 0) st.worst.output_tokens = std::min(st.worst.output_tokens, clamped);
      return std::nullopt;
    }
  }
  Error e = refusal(h, s, st.worst, why_not, ctx.request.operation);
  st.holds.clear();
  // Refused: nothing was clamped or sent elsewhere, and the log shows what was asked for.
  if (st.fell_back != nullptr) {
    ctx.endpoint = st.asked_endpoint;
    ctx.route = st.asked_route;
    ctx.request.endpoint = std::move(st.asked_name);
  }
  st.fell_back = nullptr;
  st.clamped_to = 0;
  observability::Metrics::global().budget_rejected.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void BudgetsPolicy::on_complete(pipeline::RequestContext& ctx, void* state,
                                const pipeline::Outcome&) const {
  settle(ctx, state_of(state));
}

void BudgetsPolicy::settle(pipeline::RequestContext& ctx, BudgetsState& st) const {
  if (st.holds.empty()) return;  // settled already (at usage), or nothing held
  if (st.shared) {
    // What it spent goes to Redis too, so the other replicas see it before their ledger reads.
    // Counted as the ledger counts it (prompt + completion), so the two agree.
    governance::SpendView::Amount spent{ctx.cost_usd.value_or(0), 0};
    if (ctx.upstream_called) {
      spent.tokens = static_cast<double>(ctx.usage.prompt_tokens.value_or(0) +
                                         ctx.usage.completion_tokens.value_or(0));
    }
    governance::settle_shared(*runtime_.redis(), st.holds, st.hold_id, spent,
                              std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
  } else {
    // The real cost went onto the view in accounting's hooks, which run before this one.
    runtime_.spend().release(st.holds, st.held);
  }
  st.held = {};
  st.holds.clear();
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
