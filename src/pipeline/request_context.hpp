#pragma once
// Per-request state shared by the pipeline's stages and policies. Owned by the handler
// coroutine for the duration of one request; never shared between requests or threads.

#include <chrono>
#include <optional>
#include <string>

#include "config/snapshot.hpp"
#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::pipeline {

using Clock = std::chrono::steady_clock;

struct RequestContext {
  std::string request_id;
  Clock::time_point started = Clock::now();
  config::SnapshotPtr snapshot;          // the config this request started with
  const config::Endpoint* endpoint = nullptr;  // valid while `snapshot` is held
  model::Request request;
  // Set by a policy that answers the request itself (kStop) or by a failure.
  std::optional<Error> error;
  std::optional<model::Response> reply;
  model::Usage usage;                    // provider-reported usage once known
  Clock::duration upstream_time{};       // time spent waiting on the provider
  bool upstream_called = false;
};

// How the request ended, for on_complete.
struct Outcome {
  unsigned status = 0;
  bool client_gone = false;
  const Error* error = nullptr;
};

}  // namespace sluice::pipeline
