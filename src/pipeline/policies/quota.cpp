#include "pipeline/policies/quota.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>

#include "governance/scope.hpp"
#include "observability/metrics.hpp"
#include "pipeline/policies/subject.hpp"
#include "tokenizer/chat_tokens.hpp"

namespace sluice::pipeline {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

struct QuotaPolicy::Wanted {
  std::vector<governance::LimitWant> wants;
  // Per want: its limit and the subject's name, for the refusal message. The names point into
  // the request's key and snapshot, which outlive the request, so nothing is copied.
  std::vector<std::pair<const config::LimitSpec*, std::string_view>> described;
};

bool QuotaPolicy::collect(RequestContext& ctx, Wanted& wanted) const {
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
    ctx.reserved_tokens =
        tokenizer::count_prompt_tokens(encoding, ctx.request.operation, ctx.request.body) +
        tokenizer::max_completion_tokens(ctx.request.body);
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
      wanted.wants.push_back({base + "|t", l->tokens, period_ms, ctx.reserved_tokens, true});
      wanted.described.emplace_back(l, *who);
    }
  }
  return !wanted.wants.empty();
}

Verdict QuotaPolicy::conclude(RequestContext& ctx, const Wanted& wanted,
                              std::optional<governance::LimitDecision> decision) const {
  if (!decision) {
    // The shared store did not answer: let the request through or refuse it, as configured.
    if (ctx.snapshot->governance.store.redis_fail_open) return Verdict::kContinue;
    Error e = Error::make(ErrorCode::kServiceUnavailable,
                          "Rate limits cannot be checked right now (the limit store is "
                          "unavailable); try again shortly.");
    e.error_code = "limits_unavailable";
    e.retry_after_s = 1;
    ctx.error = std::move(e);
    return Verdict::kStop;
  }
  ctx.limit_states = std::move(decision->states);
  if (decision->allowed) {
    for (auto& r : decision->reservations) {
      if (r.counter.ends_with("|t")) ctx.reservations.push_back(std::move(r));
    }
    return Verdict::kContinue;
  }
  observability::Metrics::global().limit_rejected.fetch_add(1, std::memory_order_relaxed);
  const auto& refused = ctx.limit_states[decision->refused];
  const auto& [spec, who] = wanted.described[decision->refused];
  std::string message = "Rate limit reached: " + describe(*spec, refused.tokens, who) + ".";
  if (refused.tokens && ctx.reserved_tokens > spec->tokens) {
    message += " This request alone needs about " + std::to_string(ctx.reserved_tokens) +
               " tokens (prompt + max_tokens).";
  }
  Error e = Error::make(ErrorCode::kRateLimited, std::move(message));
  e.error_code = refused.tokens ? "tokens_rate_limit_exceeded" : "rate_limit_exceeded";
  e.retry_after_s = static_cast<unsigned>(std::max(1.0, std::ceil(refused.retry_after_s)));
  ctx.error = std::move(e);
  return Verdict::kStop;
}

std::optional<Verdict> QuotaPolicy::decide(RequestContext& ctx) const {
  if (runtime_.redis() != nullptr) return std::nullopt;  // on_request waits for Redis
  Wanted wanted;
  if (!collect(ctx, wanted)) return Verdict::kContinue;
  return conclude(ctx, wanted, runtime_.limiter().acquire(wanted.wants, now_ms()));
}

boost::asio::awaitable<Verdict> QuotaPolicy::on_request(RequestContext& ctx) const {
  Wanted wanted;
  if (!collect(ctx, wanted)) co_return Verdict::kContinue;
  auto* redis = runtime_.redis();
  const std::int64_t now = now_ms();
  // The answer comes on the Redis thread; it is handed back to this request's executor.
  auto decision =
      co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                           void(std::optional<governance::LimitDecision>)>(
          [&](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto executor = boost::asio::get_associated_executor(*shared);
            redis->acquire(
                wanted.wants, now, [shared, executor](std::optional<governance::LimitDecision> d) {
                  boost::asio::post(
                      executor, [shared, d = std::move(d)]() mutable { (*shared)(std::move(d)); });
                });
          },
          boost::asio::use_awaitable);
  co_return conclude(ctx, wanted, std::move(decision));
}

void QuotaPolicy::settle(RequestContext& ctx) const {
  if (ctx.reservations.empty()) return;
  // Without reported usage (the provider was never reached, or sent none) the request used
  // no provider tokens, or an unknown number: nothing reached means 0, unknown keeps the estimate.
  std::int64_t real = static_cast<std::int64_t>(ctx.reserved_tokens);
  if (!ctx.upstream_called) {
    real = 0;
  } else if (!ctx.usage.empty()) {
    real = static_cast<std::int64_t>(ctx.usage.total_tokens.value_or(
        ctx.usage.prompt_tokens.value_or(0) + ctx.usage.completion_tokens.value_or(0)));
  }
  for (const auto& r : ctx.reservations) {
    if (r.shared && runtime_.redis() != nullptr) {
      runtime_.redis()->settle(r, real);
    } else {
      runtime_.limiter().settle(r, real);
    }
  }
  ctx.reservations.clear();  // settled once
}

}  // namespace sluice::pipeline
