#pragma once
// Orders a route's destinations for one request, by the route's strategy: the first is tried
// first, the rest are the fallbacks in order. Destinations whose circuit breaker is open are
// left out. One Planner per worker thread (it owns a random generator; no lock).

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <random>
#include <string_view>

#include "config/snapshot.hpp"
#include "routing/health/circuit_breaker.hpp"

namespace sluice::routing {

// Indices into Route::destinations, in the order they will be tried.
using Plan = boost::container::small_vector<std::uint16_t, 4>;

// What the client asked for; it may narrow the choice, never widen it.
struct ClientChoice {
  std::string_view pin;      // x-sluice-destination: only this destination
  bool no_fallback = false;  // x-sluice-no-fallback: only the first choice
};

class Planner {
 public:
  // Share of least_latency requests that go to a random destination first, so a destination
  // that was slow (or failing) and has recovered is measured again.
  static constexpr double kExploreShare = 0.05;

  explicit Planner(std::uint32_t seed) : rng_(seed) {}

  Result<void> plan(const config::Route& route, const config::Snapshot& snapshot,
                    const ClientChoice& choice, Clock::time_point now, Plan& out);

  std::minstd_rand& rng() { return rng_; }

 private:
  // Moves `from` (emptied) to `out` in a random order where each next one is drawn by weight
  // (zero-weight destinations last, in their given order).
  void weighted_order(const config::Route& route, Plan& from, Plan& out);

  std::minstd_rand rng_;
};

}  // namespace sluice::routing
