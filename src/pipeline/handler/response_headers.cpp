#include "pipeline/handler/response_headers.hpp"

#include <charconv>

namespace sluice::pipeline {
namespace {

std::string overhead_header(const RequestContext& ctx) {
  const double overhead =
      std::chrono::duration<double, std::milli>(Clock::now() - ctx.started - ctx.upstream_time)
          .count();
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, overhead < 0 ? 0.0 : overhead,
                                        std::chars_format::fixed, 3)
                              .ptr);
}

// "seed, service_tier": the parameters the provider adapter left out.
std::string dropped_list(const RequestContext& ctx) {
  std::string list;
  for (const auto& p : ctx.dropped_params) {
    if (!list.empty()) list += ", ";
    list += p;
  }
  return list;
}

}  // namespace

void add_mlflow_timing_headers(const RequestContext& ctx, HeaderList& h) {
  if (ctx.http == nullptr || !ctx.http->path().starts_with("/gateway/")) return;
  using Ms = std::chrono::milliseconds;
  const auto total = std::chrono::duration_cast<Ms>(Clock::now() - ctx.started).count();
  h.emplace_back("X-MLflow-Gateway-Duration-Ms", std::to_string(total));
  // As MLflow: only when a provider was called, the time that was not the provider's.
  if (ctx.upstream_time.count() > 0 && !ctx.request.stream) {
    const auto provider = std::chrono::duration_cast<Ms>(ctx.upstream_time).count();
    h.emplace_back("X-MLflow-Gateway-Overhead-Duration-Ms",
                   std::to_string(total > provider ? total - provider : 0));
  }
}

void add_governance_headers(const RequestContext& ctx, const Chain::Run* run, HeaderList& h) {
  if (run != nullptr) run->add_headers(h);
  add_cost_header(ctx, h);
}

void add_cost_header(const RequestContext& ctx, HeaderList& h) {
  if (ctx.cost_usd && ctx.snapshot && ctx.snapshot->governance.cost_header) {
    char buf[40];
    const auto end =
        std::to_chars(buf, buf + sizeof buf, *ctx.cost_usd, std::chars_format::fixed, 8);
    h.emplace_back("x-sluice-cost-usd", std::string(buf, end.ptr));
  }
}

HeaderList response_headers(const RequestContext& ctx, const Chain::Run* run, Body body) {
  HeaderList h;
  h.reserve(10);
  if (body == Body::kJson) {
    h.emplace_back("Content-Type", "application/json");
    h.emplace_back("x-request-id", ctx.request_id);
    h.emplace_back("x-sluice-overhead-ms", overhead_header(ctx));
  } else {
    h.emplace_back("Content-Type", "text/event-stream");
    h.emplace_back("Cache-Control", "no-cache");
    h.emplace_back("x-request-id", ctx.request_id);
  }
  if (ctx.endpoint != nullptr) h.emplace_back("x-sluice-destination", ctx.endpoint->name);
  if (!ctx.attempts.empty())
    h.emplace_back("x-sluice-attempts", std::to_string(ctx.attempts.size()));
  if (body == Body::kJson && !ctx.dropped_params.empty())
    h.emplace_back("x-sluice-dropped-params", dropped_list(ctx));
  if (!ctx.prompt_version.empty()) h.emplace_back("x-sluice-prompt-version", ctx.prompt_version);
  if (body == Body::kEventStream && !ctx.dropped_params.empty())
    h.emplace_back("x-sluice-dropped-params", dropped_list(ctx));
  add_governance_headers(ctx, run, h);
  add_mlflow_timing_headers(ctx, h);
  return h;
}

}  // namespace sluice::pipeline
