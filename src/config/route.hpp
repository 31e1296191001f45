#pragma once
// How a request that names a route (or an endpoint with fallbacks) is spread over endpoints and
// what happens when one fails: the strategy that orders the destinations, the retry policy,
// the per-destination circuit breaker and the deadlines. Read by routing/, built by the loader.

#include <bitset>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/cache.hpp"
#include "config/guardrails.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "upstream/timeouts.hpp"

namespace sluice::config {

using Millis = std::chrono::milliseconds;

// Per phase of an upstream call; every wait has a deadline (upstream/timeouts.hpp).
using UpstreamTimeouts = upstream::UpstreamTimeouts;

enum class Strategy {
  kFallback,      // in order; a run of destinations with `weight` is one tier, balanced by weight
  kSplit,         // MLflow's traffic split: first pick by traffic_percentage
  kWeighted,      // first pick by weight
  kLeastBusy,     // fewest requests in flight first
  kLeastLatency,  // lowest moving average of time to first byte first (with some exploration)
  kCost,          // cheapest expected price per token first
};

std::string_view strategy_name(Strategy s);

// Which failures are tried again (same destination) or handed to the next destination.
struct RetryPolicy {
  unsigned attempts = 0;  // retries of one destination after its first failure
  Millis backoff{100};    // base of the exponential backoff (full jitter)
  Millis max_backoff{2000};
  std::bitset<600> statuses;  // upstream HTTP statuses that count as retryable
  bool on_timeout = true;
  bool on_connect = true;

  // The default: every provider's overload and temporary-unavailability signal (docs/routing.md
  // has the table): 429 (OpenAI, Gemini RESOURCE_EXHAUSTED, Bedrock ThrottlingException and
  // ModelNotReadyException), 503 (UNAVAILABLE, ServiceUnavailableException, vLLM/TGI/Cohere
  // overloaded), 529 (Anthropic overloaded_error), and the gateway-side 500/502/504.
  RetryPolicy() {
    for (unsigned s : {429u, 500u, 502u, 503u, 504u, 529u}) statuses.set(s);
  }
  // Whether `error` (from one attempt) may be retried or fall over to the next destination.
  bool retryable(const Error& error) const;
};

struct BreakerPolicy {
  unsigned failures = 0;  // failures within `window` that open the breaker; 0 turns it off
  Millis window{30'000};
  Millis cooldown{20'000};  // open → half-open (one probe) after this long
};

struct RouteTarget {
  std::size_t endpoint = 0;  // index into Snapshot::endpoints
  std::string name;          // that endpoint's name
  unsigned weight = 1;       // weight, or traffic_percentage for `split`
  bool weighted = false;     // `weight` (or a percentage) was given
  std::string prompt_version;
  bool larger_context = false;  // receives requests that were too long for the others
  double cost = 0;              // expected USD per 1M tokens, for the `cost` strategy
};

struct Route {
  std::string name;
  model::Operation operation = model::Operation::kChat;
  Strategy strategy = Strategy::kFallback;
  std::vector<RouteTarget> destinations;
  RetryPolicy retry;
  std::optional<UpstreamTimeouts> timeout;  // replaces the destinations' own when given
  BreakerPolicy breaker;
  bool fallback = true;       // move on to the next destination after a retryable failure
  bool allow_pin = false;     // clients may pin one destination with x-sluice-destination
  bool implicit = false;      // an endpoint's own `fallbacks:`/`retry:`, not a route of its own
  bool mlflow_shape = false;  // written as MLflow's TRAFFIC_SPLIT route
  // Some destination has its own prompt template or parameters, so moving to another one means
  // preparing the client's request again for it.
  bool reprepare = false;
  // The response cache for requests that name this route (a `routes:` entry; an implicit
  // route's requests use its endpoint's). Set by the loader; mode off: none.
  std::shared_ptr<const CacheSpec> cache;
  // `guardrails: [names]` (config/guardrails.hpp), besides those of the endpoint called.
  std::vector<const GuardrailSpec*> guardrails;
  bool stored = false;    // made through the admin API
  std::string workspace;  // "" for the default workspace

  unsigned total_weight() const {
    unsigned total = 0;
    for (const auto& d : destinations) total += d.weight;
    return total;
  }
};

}  // namespace sluice::config
