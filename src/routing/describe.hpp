#pragma once
// What the router knows, for people: Prometheus lines for /metrics and the JSON of
// GET /admin/routes (each route, its strategy and policies, and each destination's breaker
// state, requests in flight, latency average and attempt counts).

#include <string>

#include "config/snapshot.hpp"
#include "routing/health/circuit_breaker.hpp"

namespace sluice::routing {

void render_metrics(const config::Snapshot& snapshot, Clock::time_point now, std::string& out);
std::string describe_routes(const config::Snapshot& snapshot, Clock::time_point now);

}  // namespace sluice::routing
