#include "pipeline/observers/access_log_observer.hpp"

namespace sluice::pipeline {
namespace {

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

void AccessLogObserver::on_complete(const RequestContext& ctx, const HttpRequest& http,
                                    const Answered& answered) {
  const auto elapsed = Clock::now() - ctx.started;
  observability::AccessRecord r;
  r.request_id = ctx.request_id;
  r.method = http.method;
  r.path = std::string(http.path());
  r.status = answered.client_gone && answered.status == 0 ? 499 : answered.status;
  r.latency_ms = millis(elapsed);
  r.overhead_ms = millis(elapsed - ctx.upstream_time);
  if (r.overhead_ms < 0) r.overhead_ms = 0;
  r.stream = answered.stream;
  r.usage = ctx.usage;
  r.cost_usd = ctx.cost_usd;
  r.usage_estimated = ctx.usage_estimated;
  r.cache_hit = ctx.cache.hit;
  r.saved_usd = ctx.cache.saved_usd;
  if (ctx.key) {
    r.key_id = ctx.key->id;
    r.team = ctx.key->team;
  }
  r.workspace = ctx.workspace;
  r.error = answered.client_gone
                ? (answered.error.empty() ? "client disconnected"
                                          : answered.error + "; client disconnected")
                : answered.error;
  if (ctx.route != nullptr && !ctx.route->implicit) r.route = ctx.route->name;
  for (const auto& a : ctx.attempts) {
    r.attempts.push_back(
        {a.endpoint->name, a.status, a.latency_ms, routing::outcome_name(a.outcome)});
  }
  for (const auto& g : ctx.guardrail_events)
    r.guardrails.push_back({g.guardrail, g.action, g.entity, g.output, g.count});
  r.prompt_version = ctx.prompt_version;
  if (ctx.endpoint != nullptr) {
    r.endpoint = ctx.endpoint->name;
    r.provider = std::string(ctx.endpoint->adapter->provider());      // "azure" for Azure OpenAI
    r.provider_model = ctx.raw_proxy ? std::string(ctx.model_name())  // the client's, as sent
                                     : ctx.endpoint->adapter->provider_model();
    if (ctx.upstream_called) r.upstream_latency_ms = millis(ctx.upstream_time);
  }
  log_.write(r);
}

}  // namespace sluice::pipeline
