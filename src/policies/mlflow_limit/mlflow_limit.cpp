#include "policies/mlflow_limit/mlflow_limit.hpp"

namespace sluice::policies {

std::optional<std::chrono::seconds> renewal_period_length(std::string_view period) {
  using std::chrono::seconds;
  if (period == "second") return seconds(1);
  if (period == "minute") return seconds(60);
  if (period == "hour") return seconds(3600);
  if (period == "day") return seconds(86400);
  if (period == "month") return seconds(30 * 86400);
  if (period == "year") return seconds(12 * 30 * 86400);
  return std::nullopt;
}

pipeline::Step MlflowLimitPolicy::on_request(pipeline::RequestContext& ctx, void* /*state*/) const {
  if (ctx.endpoint == nullptr || !ctx.endpoint->limit) return pipeline::Step::skip();
  return pipeline::Step::wait();
}

boost::asio::awaitable<pipeline::Step> MlflowLimitPolicy::on_request_async(
    pipeline::RequestContext& ctx, void* /*state*/) const {
  const config::Limit& limit = *ctx.endpoint->limit;
  // Guaranteed by config validation: the period is one of the known names.
  const auto period =
      renewal_period_length(limit.renewal_period).value_or(std::chrono::seconds(60));
  std::string key = ctx.client_address;
  key += '\n';
  key += ctx.endpoint->name;
  stores::WindowHit hit = co_await store_.hit(key, limit.calls, period, pipeline::Clock::now());
  if (hit.allowed) co_return pipeline::Step::next();
  Error e =
      Error::make(ErrorCode::kRateLimited, "Rate limit exceeded: " + std::to_string(limit.calls) +
                                               " per 1 " + limit.renewal_period);
  e.error_code = "rate_limit_exceeded";
  e.retry_after_s = static_cast<unsigned>(hit.retry_after.count());
  co_return pipeline::Step::fail(std::move(e));
}

}  // namespace sluice::policies
