#include "config/route.hpp"

namespace sluice::config {

std::string_view strategy_name(Strategy s) {
  switch (s) {
    case Strategy::kFallback:
      return "fallback";
    case Strategy::kSplit:
      return "split";
    case Strategy::kWeighted:
      return "weighted";
    case Strategy::kLeastBusy:
      return "least_busy";
    case Strategy::kLeastLatency:
      return "least_latency";
    case Strategy::kCost:
      return "cost";
  }
  return "fallback";
}

bool RetryPolicy::retryable(const Error& error) const {
  const auto status = error.upstream_status.value_or(0);
  switch (error.code) {
    case ErrorCode::kUpstreamTimeout:
      return on_timeout;
    case ErrorCode::kUpstreamUnavailable:  // no answer, a dropped connection, an unreadable one
      return status != 0 ? status < statuses.size() && statuses.test(status) : on_connect;
    case ErrorCode::kUpstreamServerError:  // an error event inside a stream has no status: a 500
      return status == 0 ? statuses.test(500) : status < statuses.size() && statuses.test(status);
    case ErrorCode::kUpstreamClientError:
      return status < statuses.size() && statuses.test(status);
    default:
      return false;  // the request itself is at fault: another try cannot help
  }
}

}  // namespace sluice::config
