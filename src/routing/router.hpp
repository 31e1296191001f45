#pragma once
// Sends an internal request along its route and brings back the translated answer: the planned
// destinations in order, each retried per the route's retry policy with jittered backoff (or the
// provider's Retry-After), moving on after retryable failures, skipping destinations whose
// circuit breaker is open, all within one overall deadline. A request without a route is one
// attempt at its endpoint. Streams are warmed up here: the stream counts as answered only once
// content has arrived, so one that fails before that is retried or falls over unseen.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "providers/provider.hpp"
#include "routing/call.hpp"
#include "upstream/client.hpp"

namespace sluice::routing {

// An upstream stream that has produced content, ready to be relayed.
struct OpenStream {
  std::unique_ptr<upstream::Exchange> exchange;
  std::unique_ptr<providers::StreamTranslator> translator;
  std::vector<model::StreamEvent> first_events;  // read while warming up, not yet relayed
  bool ended = false;                            // the upstream stream ended while warming up
  InFlight in_flight;                            // the destination is busy until this is gone
};

class Router {
 public:
  // Prepares ctx.request again for ctx.endpoint (its template, parameters, limits) when the
  // route moves to a destination other than the one the request was prepared for.
  using Prepare = std::function<std::optional<Error>(RouteCall&)>;

  Router(upstream::Client& client, Prepare prepare);

  // Non-streamed call; adds the time spent on providers to ctx.upstream_time.
  boost::asio::awaitable<Result<model::Response>> call(RouteCall& ctx);
  // Streamed call up to its first content. Failure comes back as an Error before the client has
  // been sent anything, so it keeps its real status.
  boost::asio::awaitable<Result<OpenStream>> open_stream(RouteCall& ctx);
  // Provider-native passthrough: one attempt at ctx.endpoint with `wire` as it is; the answer
  // comes back whatever its status, to be relayed unchanged.
  boost::asio::awaitable<Result<std::unique_ptr<upstream::Exchange>>> passthrough(
      RouteCall& ctx, const providers::UpstreamRequest& wire);
  // After the relayed stream ends (also when the client left): counts the attempt's outcome; a
  // failure once content was flowing counts against the destination's breaker.
  void stream_finished(RouteCall& ctx, const Error* failure);

 private:
  template <bool kStream>
  using Answer = std::conditional_t<kStream, OpenStream, model::Response>;
  template <bool kStream>
  boost::asio::awaitable<Result<Answer<kStream>>> run_chain(RouteCall& ctx);
  template <bool kStream>
  boost::asio::awaitable<Result<Answer<kStream>>> attempt(RouteCall& ctx,
                                                          const config::UpstreamTimeouts& timeouts,
                                                          Clock::duration& first_byte);
  boost::asio::awaitable<Result<std::unique_ptr<upstream::Exchange>>> start(
      RouteCall& ctx, const config::UpstreamTimeouts& timeouts);
  boost::asio::awaitable<Result<model::Response>> finish_call(
      RouteCall& ctx, const config::UpstreamTimeouts& timeouts, Clock::duration& first_byte);
  boost::asio::awaitable<Result<OpenStream>> warm_up(RouteCall& ctx,
                                                     const config::UpstreamTimeouts& timeouts,
                                                     Clock::duration& first_byte);

  upstream::Client& client_;
  Prepare prepare_;
  std::minstd_rand rng_;  // backoff jitter; one router per worker thread
};

}  // namespace sluice::routing
