#pragma once
// Per-request state shared by the pipeline's stages and policies. Owned by the handler
// coroutine for the duration of one request; never shared between requests or threads.

#include <boost/json/monotonic_resource.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "config/snapshot.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"
#include "routing/planner.hpp"
#include "routing/target_health.hpp"

namespace sluice::pipeline {

class Observers;
class SubRequests;
using Clock = std::chrono::steady_clock;

// A 16 KiB block from a per-thread free list: the request arena's first block without a malloc
// per request. Blocks return to the list of the thread that frees them, and requests never
// change thread, so the list needs no lock.
class ArenaBlock {
 public:
  static constexpr std::size_t kSize = 16384;
  ArenaBlock();
  ~ArenaBlock();
  ArenaBlock(const ArenaBlock&) = delete;
  ArenaBlock& operator=(const ArenaBlock&) = delete;
  unsigned char* data() { return data_; }
  std::size_t size() const { return kSize; }

 private:
  unsigned char* data_;
};

// One try at one destination, for the access log and the response headers.
struct AttemptRecord {
  const config::Endpoint* endpoint = nullptr;
  unsigned status = 0;  // what the provider answered; 0 when it did not
  double latency_ms = 0;
  routing::AttemptOutcome outcome = routing::AttemptOutcome::kSuccess;
};

struct RequestContext {
  RequestContext() { request.body = boost::json::object(boost::json::storage_ptr(&arena_)); }
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  // The request's arena: JSON and per-policy state that live as long as the request.
  boost::json::memory_resource& arena() { return arena_; }

 private:
  // The request's JSON (and the provider's answer, parsed with request.body.storage()) lives in
  // this arena: a recycled 16 KiB block first, more only for big bodies, all freed at once.
  ArenaBlock block_;
  boost::json::monotonic_resource arena_{block_.data(), block_.size()};

 public:
  std::string request_id;
  std::string client_address;  // the peer's IP address, as rate limits key on it
  Clock::time_point started = Clock::now();
  config::SnapshotPtr snapshot;                // the config this request started with
  const config::Endpoint* endpoint = nullptr;  // valid while `snapshot` is held
  // The route being followed: the one the client named, or its endpoint's fallback chain.
  const config::Route* route = nullptr;
  routing::ClientChoice choice;  // x-sluice-destination / x-sluice-no-fallback
  routing::Plan plan;            // destinations of `route` in the order they will be tried
  std::optional<Error> plan_error;
  // The client's body before any policy ran, kept when another destination of the route may
  // need the request prepared again (its own template or parameters).
  std::optional<boost::json::object> pristine_body;
  boost::container::small_vector<AttemptRecord, 2> attempts;
  const Observers* observers = nullptr;     // told about each attempt (observer.hpp)
  SubRequests* sub_requests = nullptr;      // a policy's calls to other endpoints (sub_request.hpp)
  std::vector<std::string> dropped_params;  // left out by the provider adapter of the answer
  std::string prompt_version;               // the prompt template version used, if any
  bool named_path = false;                  // called on a named route's own path (POST /chat)
  bool passthrough = false;  // provider-native: relayed as it is, no templates or parameters
  model::Request request;
  // Why the request failed (a policy, the router, a provider), once it has.
  std::optional<Error> error;
  // Who is calling and what it cost; what each policy keeps for itself is in its own state.
  std::string_view presented_key;  // the gateway key the client sent (never logged)
  std::shared_ptr<const config::KeySpec> key;
  std::optional<double> cost_usd;  // once usage is known and the model has a price
  std::string streamed_text;       // a stream's text, to count tokens if the provider reports none
  std::uint64_t streamed_tokens = 0;  // tokens of the streamed text already counted and dropped
  bool usage_estimated = false;       // usage counted by sluice's tokenizer, not the provider
  model::Usage usage;                 // provider-reported usage once known
  Clock::duration upstream_time{};    // time spent waiting on the provider
  bool upstream_called = false;

  // Adds an attempt to `attempts` and tells the observers.
  void record_attempt(const AttemptRecord& attempt);
};

}  // namespace sluice::pipeline
