#include "pipeline/policies/rate_limit.hpp"

namespace sluice::pipeline {

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

boost::asio::awaitable<Verdict> RateLimitPolicy::on_request(RequestContext& ctx) const {
  if (ctx.endpoint == nullptr || !ctx.endpoint->limit) co_return Verdict::kContinue;
  const config::Limit& limit = *ctx.endpoint->limit;
  // Guaranteed by config validation: the period is one of the known names.
  const auto period =
      renewal_period_length(limit.renewal_period).value_or(std::chrono::seconds(60));
  std::string key = ctx.client_address;
  key += '\n';
  key += ctx.endpoint->name;
  stores::WindowHit hit = co_await store_.hit(key, limit.calls, period, Clock::now());
  if (hit.allowed) co_return Verdict::kContinue;
  Error e =
      Error::make(ErrorCode::kRateLimited, "Rate limit exceeded: " + std::to_string(limit.calls) +
                                               " per 1 " + limit.renewal_period);
  e.error_code = "rate_limit_exceeded";
  e.retry_after_s = static_cast<unsigned>(hit.retry_after.count());
  ctx.error = std::move(e);
  co_return Verdict::kStop;
}

}  // namespace sluice::pipeline
