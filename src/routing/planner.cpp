#include "routing/planner.hpp"

#include <algorithm>

#include "routing/health/target_health.hpp"

namespace sluice::routing {
namespace {

TargetHealth* health_of(const config::Snapshot& snapshot, const config::RouteTarget& t) {
  return snapshot.endpoints[t.endpoint].health;
}

}  // namespace

void Planner::weighted_order(const config::Route& route, Plan& from, Plan& out) {
  while (!from.empty()) {
    unsigned total = 0;
    for (auto i : from) total += route.destinations[i].weight;
    std::size_t chosen = 0;
    if (total > 0) {
      unsigned roll = static_cast<unsigned>(rng_() % total);
      for (std::size_t k = 0; k < from.size(); ++k) {
        const unsigned w = route.destinations[from[k]].weight;
        if (roll < w) {
          chosen = k;
          break;
        }
        roll -= w;
      }
    }
    out.push_back(from[chosen]);
    from.erase(from.begin() + static_cast<std::ptrdiff_t>(chosen));
  }
}

Result<void> Planner::plan(const config::Route& route, const config::Snapshot& snapshot,
                           const ClientChoice& choice, Clock::time_point now, Plan& out) {
  out.clear();
  const auto& dests = route.destinations;
  if (!choice.pin.empty()) {
    if (!route.allow_pin) {
      return Error::make(ErrorCode::kForbidden,
                         "Route '" + route.name +
                             "' does not let clients choose a destination (x-sluice-destination); "
                             "its config would need allow_pin: true.");
    }
    for (std::size_t i = 0; i < dests.size(); ++i) {
      if (dests[i].name == choice.pin) {
        out.push_back(static_cast<std::uint16_t>(i));
        return {};
      }
    }
    std::string names;
    for (const auto& d : dests) names += (names.empty() ? "" : ", ") + d.name;
    return Error::invalid("x-sluice-destination '" + std::string(choice.pin) +
                          "' is not a destination of route '" + route.name + "' (" + names + ").");
  }

  Plan open;  // usable destinations, in config order
  for (std::size_t i = 0; i < dests.size(); ++i) {
    const TargetHealth* h = health_of(snapshot, dests[i]);
    if (h == nullptr || !h->breaker.rejects(route.breaker, now))
      open.push_back(static_cast<std::uint16_t>(i));
  }
  if (open.empty()) {
    auto wait = Clock::duration::max();
    for (const auto& d : dests) {
      if (const TargetHealth* h = health_of(snapshot, d))
        wait = std::min(wait, h->breaker.reopens_in(route.breaker, now));
    }
    Error e = Error::make(ErrorCode::kServiceUnavailable,
                          "Every destination of '" + route.name +
                              "' is failing and has been taken out of rotation (circuit breaker "
                              "open); try again shortly.");
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
    e.retry_after_s = static_cast<unsigned>(std::max<long long>(1, seconds));
    e.error_code = "circuit_open";
    return e;
  }

  switch (route.strategy) {
    case config::Strategy::kFallback: {
      // Config order, except that a run of weighted destinations is balanced among itself.
      std::size_t k = 0;
      while (k < open.size()) {
        if (!dests[open[k]].weighted) {
          out.push_back(open[k++]);
          continue;
        }
        Plan tier;
        while (k < open.size() && dests[open[k]].weighted) tier.push_back(open[k++]);
        weighted_order(route, tier, out);
      }
      break;
    }
    case config::Strategy::kSplit:
    case config::Strategy::kWeighted:
      weighted_order(route, open, out);
      break;
    case config::Strategy::kLeastBusy:
    case config::Strategy::kLeastLatency:
    case config::Strategy::kCost: {
      // A weighted shuffle first, so ties are broken by weight and at random.
      weighted_order(route, open, out);
      if (route.strategy == config::Strategy::kLeastLatency &&
          std::uniform_real_distribution<double>(0, 1)(rng_) < kExploreShare) {
        break;  // exploration: the shuffled order as it is
      }
      auto key = [&](std::uint16_t i) -> double {
        const TargetHealth* h = health_of(snapshot, dests[i]);
        switch (route.strategy) {
          case config::Strategy::kLeastBusy:
            return h ? static_cast<double>(h->in_flight.load(std::memory_order_relaxed)) : 0;
          case config::Strategy::kLeastLatency:
            return h ? h->latency_ms() : 0;  // unmeasured (0) goes first, to be measured
          default:
            return dests[i].cost;
        }
      };
      // Keys are read once: they change under our feet, and a sort needs a stable order.
      boost::container::small_vector<std::pair<double, std::uint16_t>, 4> keyed;
      for (auto i : out) keyed.emplace_back(key(i), i);
      std::stable_sort(keyed.begin(), keyed.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (std::size_t k = 0; k < keyed.size(); ++k) out[k] = keyed[k].second;
      break;
    }
  }
  if (choice.no_fallback || !route.fallback) out.resize(1);
  return {};
}

}  // namespace sluice::routing
