#include "policies/limits/limits.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>

#include "governance/scope.hpp"
#include "observability/metrics.hpp"
#include "policies/subject.hpp"
#include "tokenizer/chat_tokens.hpp"
#include "util/unix_time.hpp"

namespace sluice::policies {

using pipeline::RequestContext;
using pipeline::Step;

namespace {

std::string describe(const config::LimitSpec& l, bool tokens, std::string_view who) {
  std::string s = std::to_string(tokens ? l.tokens : l.requests);
  s += tokens ? " tokens" : " requests";
  s += " per ";
  s += config::period_name(l.per);
  s += " for ";
  s += config::scope_name(l.scope);
  if (!who.empty()) {
    s += " '";
    s += who;
    s += "'";
  }
  return s;
}

}  // namespace

struct LimitsPolicy::Wanted {
  std::vector<stores::LimitWant> wants;
  // Per want: its limit and the subject's name, for the refusal message. The names point into
  // the request's key and snapshot, which outlive the request, so nothing is copied.
  std::vector<std::pair<const config::LimitSpec*, std::string_view>> described;
};

bool LimitsPolicy::collect(RequestContext& ctx, LimitsState& state, Wanted& wanted) const {
  const governance::Subject subject = subject_of(ctx);
  std::vector<const config::LimitSpec*> specs;
  if (ctx.key) {
    for (const auto& l : ctx.key->limits) specs.push_back(&l);
  }
  for (const auto& l : ctx.snapshot->governance.limits) specs.push_back(&l);
  bool tokens_needed = false;
  for (const auto* l : specs) tokens_needed = tokens_needed || l->tokens != 0;
  if (tokens_needed && ctx.endpoint != nullptr) {
    const auto& encoding = tokenizer::Encoding::for_model(ctx.endpoint->model_name);
    // A provider-native body states its cap in its own shape (as the budgets read it).
    state.reserved_tokens =
        tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body) +
        (ctx.passthrough ? tokenizer::native_max_output_tokens(ctx.request.body)
                         : tokenizer::max_completion_tokens(ctx.request.body));
  }
  for (const auto* l : specs) {
    auto who = governance::counted_as(l->scope, l->match, subject);
    if (!who) continue;
    std::string base;
    base.reserve(32 + who->size());
    base += config::scope_name(l->scope);
    base += ':';
    base += *who;
    base += '|';
    base += config::period_name(l->per);
    const std::int64_t period_ms = config::period_seconds(l->per) * 1000;
    if (l->requests) {
      wanted.wants.push_back({base + "|r", l->requests, period_ms, 1, false});
      wanted.described.emplace_back(l, *who);
    }
    if (l->tokens) {
      wanted.wants.push_back({base + "|t", l->tokens, period_ms, state.reserved_tokens, true});
      wanted.described.emplace_back(l, *who);
    }
  }
  return !wanted.wants.empty();
}

Step LimitsPolicy::conclude(RequestContext& ctx, LimitsState& state, const Wanted& wanted,
                            std::optional<stores::LimitDecision> decision) const {
  if (!decision) {
    // The shared store did not answer: let the request through or refuse it, as configured.
    if (ctx.snapshot->governance.store.redis_fail_open) return Step::next();
    Error e = Error::make(ErrorCode::kServiceUnavailable,
                          "Rate limits cannot be checked right now (the limit store is "
                          "unavailable); try again shortly.");
    e.error_code = "limits_unavailable";
    e.retry_after_s = 1;
    return Step::fail(std::move(e));
  }
  state.limit_states = std::move(decision->states);
  if (decision->allowed) {
    for (auto& r : decision->reservations) {
      if (r.counter.ends_with("|t")) state.reservations.push_back(std::move(r));
    }
    return Step::next();
  }
  observability::Metrics::global().limit_rejected.fetch_add(1, std::memory_order_relaxed);
  const auto& refused = state.limit_states[decision->refused];
  const auto& [spec, who] = wanted.described[decision->refused];
  std::string message = "Rate limit reached: " + describe(*spec, refused.tokens, who) + ".";
  if (refused.tokens && state.reserved_tokens > spec->tokens) {
    message += " This request alone needs about " + std::to_string(state.reserved_tokens) +
               " tokens (prompt + max_tokens).";
  }
  Error e = Error::make(ErrorCode::kRateLimited, std::move(message));
  e.error_code = refused.tokens ? "tokens_rate_limit_exceeded" : "rate_limit_exceeded";
  e.retry_after_s = static_cast<unsigned>(std::max(1.0, std::ceil(refused.retry_after_s)));
  return Step::fail(std::move(e));
}

Step LimitsPolicy::on_request(RequestContext& ctx, void* state) const {
  if (ctx.snapshot->governance.limits.empty() && !(ctx.key && !ctx.key->limits.empty()))
    return Step::skip();
  if (runtime_.redis() != nullptr) return Step::wait();  // on_request_async asks Redis
  Wanted wanted;
  if (!collect(ctx, state_of(state), wanted)) return Step::skip();
  return conclude(ctx, state_of(state), wanted,
                  runtime_.limiter().acquire(wanted.wants, util::unix_now_ms()));
}

boost::asio::awaitable<Step> LimitsPolicy::on_request_async(RequestContext& ctx,
                                                            void* state) const {
  Wanted wanted;
  if (!collect(ctx, state_of(state), wanted)) co_return Step::next();
  auto* redis = runtime_.redis();
  const std::int64_t now = util::unix_now_ms();
  // The answer comes on the Redis thread; it is handed back to this request's executor.
  auto decision = co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                       void(std::optional<stores::LimitDecision>)>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = boost::asio::get_associated_executor(*shared);
        redis->acquire(
            wanted.wants, now, [shared, executor](std::optional<stores::LimitDecision> d) {
              boost::asio::post(executor,
                                [shared, d = std::move(d)]() mutable { (*shared)(std::move(d)); });
            });
      },
      boost::asio::use_awaitable);
  co_return conclude(ctx, state_of(state), wanted, std::move(decision));
}

void LimitsPolicy::settle(RequestContext& ctx, void* s) const {
  LimitsState& state = state_of(s);
  if (state.reservations.empty()) return;
  // Without reported usage (the provider was never reached, or sent none) the request used
  // no provider tokens, or an unknown number: nothing reached means 0, unknown keeps the estimate.
  std::int64_t real = static_cast<std::int64_t>(state.reserved_tokens);
  // A cache hit reached none either: 0 tokens, unless the cache counts them (count_tokens).
  if (!ctx.upstream_called && !(ctx.cache.hit && ctx.cache.count_tokens)) {
    real = 0;
  } else if (!ctx.usage.empty()) {
    real = static_cast<std::int64_t>(ctx.usage.total_tokens.value_or(
        ctx.usage.prompt_tokens.value_or(0) + ctx.usage.completion_tokens.value_or(0)));
  }
  for (const auto& r : state.reservations) {
    if (r.shared && runtime_.redis() != nullptr) {
      runtime_.redis()->settle(r, real);
    } else {
      runtime_.limiter().settle(r, real);
    }
  }
  state.reservations.clear();  // settled once
}

}  // namespace sluice::policies

namespace sluice::policies {

std::string reset_duration(double seconds) {
  // Integer arithmetic: this runs twice per governed response.
  const auto ms = static_cast<long long>(seconds * 1000);
  if (ms < 1000) return std::to_string(ms < 0 ? 0 : ms) + "ms";
  if (ms < 60'000) {
    std::string out = std::to_string(ms / 1000);
    if (long long frac = ms % 1000; frac != 0) {
      char digits[4] = {static_cast<char>('0' + frac / 100),
                        static_cast<char>('0' + frac / 10 % 10), static_cast<char>('0' + frac % 10),
                        0};
      std::size_t n = 3;
      while (digits[n - 1] == '0') --n;
      out += '.';
      out.append(digits, n);
    }
    return out + "s";
  }
  return std::to_string(ms / 60'000) + "m" + std::to_string(ms % 60'000 / 1000) + "s";
}

void LimitsPolicy::add_headers(const RequestContext& /*ctx*/, const void* s,
                               pipeline::HeaderList& h) const {
  const LimitsState& state = state_of(s);
  for (const bool tokens : {false, true}) {
    const stores::LimitState* tightest = nullptr;
    for (const auto& l : state.limit_states) {
      if (l.tokens == tokens && (tightest == nullptr || l.remaining < tightest->remaining))
        tightest = &l;
    }
    if (tightest == nullptr) continue;
    const std::string kind = tokens ? "tokens" : "requests";
    h.emplace_back("x-ratelimit-limit-" + kind, std::to_string(tightest->limit));
    h.emplace_back("x-ratelimit-remaining-" + kind, std::to_string(tightest->remaining));
    h.emplace_back("x-ratelimit-reset-" + kind, reset_duration(tightest->reset_s));
  }
}

}  // namespace sluice::policies
