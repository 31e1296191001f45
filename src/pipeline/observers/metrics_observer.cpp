#include "pipeline/observers/metrics_observer.hpp"

#include "observability/metrics.hpp"

namespace sluice::pipeline {
namespace {

void add(std::atomic<std::uint64_t>& counter, const std::optional<std::uint64_t>& n) {
  if (n) counter.fetch_add(*n, std::memory_order_relaxed);
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void MetricsObserver::on_complete(const RequestContext& ctx, const HttpRequest& /*http*/,
                                  const Answered& answered) {
  auto& metrics = observability::Metrics::global();
  const auto now = Clock::now();
  observability::EndpointStats* stats = &metrics.unrouted();
  if (ctx.endpoint != nullptr) {
    stats = ctx.endpoint->stats;
    if (ctx.upstream_called) stats->upstream_latency.observe(seconds(ctx.upstream_time));
    add(stats->prompt_tokens, ctx.usage.prompt_tokens);
    add(stats->completion_tokens, ctx.usage.completion_tokens);
    add(stats->cached_read_tokens, ctx.usage.cached_tokens);
    add(stats->cache_write_tokens, ctx.usage.cache_write_tokens);
    add(stats->reasoning_tokens, ctx.usage.reasoning_tokens);
    // A cache hit's price is what it saved, not what it cost.
    if (ctx.cost_usd && *ctx.cost_usd > 0 && !ctx.cache.hit)
      stats->cost_nano_usd.fetch_add(static_cast<std::uint64_t>(*ctx.cost_usd * 1e9),
                                     std::memory_order_relaxed);
    if (ctx.first_token_at) {
      stats->time_to_first_token.observe(seconds(*ctx.first_token_at - ctx.started));
      const auto output = ctx.usage.completion_tokens.value_or(0);
      if (output > 1)
        stats->time_per_output_token.observe(seconds(now - *ctx.first_token_at) /
                                             static_cast<double>(output - 1));
    }
  }
  // After the first attempt, each one is a retry (the same destination again) or a fallback.
  if (ctx.attempts.size() > 1 && (ctx.route != nullptr || ctx.endpoint != nullptr)) {
    std::uint64_t retries = 0, fallbacks = 0;
    for (std::size_t i = 1; i < ctx.attempts.size(); ++i)
      ++(ctx.attempts[i].endpoint == ctx.attempts[i - 1].endpoint ? retries : fallbacks);
    metrics.route_attempts(ctx.route != nullptr ? std::string_view(ctx.route->name)
                                                : std::string_view(ctx.endpoint->name),
                           retries, fallbacks);
  }
  stats->count_status(answered.client_gone && answered.status == 0 ? 499 : answered.status);
  stats->latency.observe(seconds(now - ctx.started));
  for (const auto& g : ctx.guardrail_events)
    metrics.guardrail_action(g.guardrail, g.action, g.entity, g.count);
}

}  // namespace sluice::pipeline
