#include "pipeline/observers/metrics_observer.hpp"

#include "observability/metrics.hpp"

namespace sluice::pipeline {

void MetricsObserver::on_complete(const RequestContext& ctx, const HttpRequest& /*http*/,
                                  const Answered& answered) {
  auto& metrics = observability::Metrics::global();
  observability::EndpointStats* stats = &metrics.unrouted();
  if (ctx.endpoint != nullptr) {
    stats = ctx.endpoint->stats;
    if (ctx.upstream_called)
      stats->upstream_latency.observe(std::chrono::duration<double>(ctx.upstream_time).count());
    if (ctx.usage.prompt_tokens)
      stats->prompt_tokens.fetch_add(*ctx.usage.prompt_tokens, std::memory_order_relaxed);
    if (ctx.usage.completion_tokens)
      stats->completion_tokens.fetch_add(*ctx.usage.completion_tokens, std::memory_order_relaxed);
  }
  stats->count_status(answered.client_gone && answered.status == 0 ? 499 : answered.status);
  stats->latency.observe(std::chrono::duration<double>(Clock::now() - ctx.started).count());
  for (const auto& g : ctx.guardrail_events)
    metrics.guardrail_action(g.guardrail, g.action, g.entity, g.count);
}

}  // namespace sluice::pipeline
