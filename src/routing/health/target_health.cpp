#include "routing/health/target_health.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace sluice::routing {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<TargetHealth>> targets;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: workers may still touch it at exit
  return *r;
}

}  // namespace

std::string_view outcome_name(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kSuccess:
      return "success";
    case AttemptOutcome::kRateLimited:
      return "rate_limited";
    case AttemptOutcome::kClientError:
      return "client_error";
    case AttemptOutcome::kServerError:
      return "server_error";
    case AttemptOutcome::kTimeout:
      return "timeout";
    case AttemptOutcome::kConnectError:
      return "connect_error";
    case AttemptOutcome::kStreamError:
      return "stream_error";
    case AttemptOutcome::kCount:
      break;
  }
  return "unknown";
}

TargetHealth& TargetHealth::of(const std::string& name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto& slot = r.targets[name];
  if (!slot) slot = std::make_unique<TargetHealth>();
  return *slot;
}

void TargetHealth::for_each(const std::function<void(const std::string&, const TargetHealth&)>& f) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& [name, health] : r.targets) f(name, *health);
}

void TargetHealth::observe_first_byte(std::chrono::steady_clock::duration d) {
  const double ms = std::chrono::duration<double, std::milli>(d).count();
  // Racing updates may lose a sample; the average only has to follow the trend.
  const bool first = samples_.fetch_add(1, std::memory_order_relaxed) == 0;
  const double old = latency_ms_.load(std::memory_order_relaxed);
  latency_ms_.store(first ? ms : old + kLatencyAlpha * (ms - old), std::memory_order_relaxed);
}

}  // namespace sluice::routing
