#include "routing/describe.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "routing/health/target_health.hpp"

namespace sluice::routing {
namespace json = boost::json;

namespace {

constexpr std::size_t kOutcomes = static_cast<std::size_t>(AttemptOutcome::kCount);

// Every route of the snapshot: the `routes:` ones and endpoints' own fallback chains.
template <class F>
void for_each_route(const config::Snapshot& snapshot, F&& f) {
  for (const auto& route : snapshot.routes) f(route);
  for (const auto& endpoint : snapshot.endpoints) {
    if (endpoint.routing) f(*endpoint.routing);
  }
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

}  // namespace

void render_metrics(const config::Snapshot& snapshot, Clock::time_point now, std::string& out) {
  out += "# HELP sluice_upstream_attempts_total Tries at a destination, by how they ended.\n";
  out += "# TYPE sluice_upstream_attempts_total counter\n";
  std::string in_flight, latency, opened;
  TargetHealth::for_each([&](const std::string& name, const TargetHealth& h) {
    for (std::size_t i = 0; i < kOutcomes; ++i) {
      const auto outcome = static_cast<AttemptOutcome>(i);
      out += "sluice_upstream_attempts_total{destination=\"" + name + "\",outcome=\"" +
             std::string(outcome_name(outcome)) + "\"} " + std::to_string(h.attempts(outcome)) +
             "\n";
    }
    in_flight += "sluice_destination_in_flight{destination=\"" + name + "\"} " +
                 std::to_string(h.in_flight.load(std::memory_order_relaxed)) + "\n";
    latency += "sluice_destination_first_byte_ewma_seconds{destination=\"" + name + "\"} " +
               number(h.latency_ms() / 1000.0) + "\n";
    opened += "sluice_circuit_breaker_opened_total{destination=\"" + name + "\"} " +
              std::to_string(h.breaker.times_opened()) + "\n";
  });
  out += "# HELP sluice_destination_in_flight Requests in flight at a destination.\n";
  out += "# TYPE sluice_destination_in_flight gauge\n" + in_flight;
  out +=
      "# HELP sluice_destination_first_byte_ewma_seconds Moving average of time to first "
      "byte.\n";
  out += "# TYPE sluice_destination_first_byte_ewma_seconds gauge\n" + latency;
  out += "# HELP sluice_circuit_breaker_opened_total Times a destination's breaker opened.\n";
  out += "# TYPE sluice_circuit_breaker_opened_total counter\n" + opened;
  out +=
      "# HELP sluice_circuit_breaker_state Breaker of a destination within a route: 0 closed, "
      "1 open, 2 half-open.\n";
  out += "# TYPE sluice_circuit_breaker_state gauge\n";
  for_each_route(snapshot, [&](const config::Route& route) {
    if (route.breaker.failures == 0) return;
    for (const auto& d : route.destinations) {
      const TargetHealth* h = snapshot.endpoints[d.endpoint].health;
      if (h == nullptr) continue;
      out += "sluice_circuit_breaker_state{route=\"" + route.name + "\",destination=\"" + d.name +
             "\"} " + std::to_string(static_cast<int>(h->breaker.state(route.breaker, now))) + "\n";
    }
  });
}

std::string describe_routes(const config::Snapshot& snapshot, Clock::time_point now) {
  json::array routes;
  for_each_route(snapshot, [&](const config::Route& route) {
    json::array destinations;
    for (const auto& d : route.destinations) {
      json::object o{{"name", d.name}, {"weight", d.weight}};
      if (!d.prompt_version.empty()) o["prompt_version"] = d.prompt_version;
      if (d.larger_context) o["larger_context"] = true;
      if (route.strategy == config::Strategy::kCost) o["cost"] = d.cost;
      if (const TargetHealth* h = snapshot.endpoints[d.endpoint].health) {
        o["circuit"] = state_name(h->breaker.state(route.breaker, now));
        o["in_flight"] = h->in_flight.load(std::memory_order_relaxed);
        // Whole microseconds: Boost.JSON would print a double in exponent form.
        o["first_byte_ewma_us"] =
            static_cast<std::uint64_t>(std::llround(h->latency_ms() * 1000.0));
        json::object attempts;
        for (std::size_t i = 0; i < kOutcomes; ++i) {
          const auto outcome = static_cast<AttemptOutcome>(i);
          attempts[outcome_name(outcome)] = h->attempts(outcome);
        }
        o["attempts"] = std::move(attempts);
      }
      destinations.push_back(std::move(o));
    }
    json::object r{{"name", route.name},
                   {"kind", route.implicit ? "endpoint_fallbacks" : "route"},
                   {"task_type", model::endpoint_type_name(route.operation)},
                   {"strategy", config::strategy_name(route.strategy)},
                   {"fallback", route.fallback},
                   {"allow_pin", route.allow_pin},
                   {"retry",
                    {{"attempts", route.retry.attempts},
                     {"backoff_ms", route.retry.backoff.count()},
                     {"max_backoff_ms", route.retry.max_backoff.count()}}},
                   {"destinations", std::move(destinations)}};
    if (route.breaker.failures > 0) {
      r["circuit_breaker"] = {
          {"failures", route.breaker.failures},
          {"window_s",
           std::chrono::duration_cast<std::chrono::seconds>(route.breaker.window).count()},
          {"cooldown_s",
           std::chrono::duration_cast<std::chrono::seconds>(route.breaker.cooldown).count()}};
    } else {
      r["circuit_breaker"] = nullptr;
    }
    routes.push_back(std::move(r));
  });
  return json::serialize(json::object{{"routes", std::move(routes)}});
}

}  // namespace sluice::routing
