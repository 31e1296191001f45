#pragma once
// Answers one HTTP request: finds the API and endpoint, runs the policy chain and the router,
// and writes the answer in the caller's API shape. One Handler per worker thread.

#include <boost/asio/awaitable.hpp>

#include "config/snapshot_holder.hpp"
#include "observability/access_log.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/http_exchange.hpp"
#include "routing/router.hpp"
#include "upstream/client.hpp"

namespace sluice::pipeline {

class Handler {
 public:
  Handler(const config::SnapshotHolder& config, observability::AccessLog& access_log,
          upstream::Client& client)
      : config_(config), access_log_(access_log), router_(client) {}

  // Writes exactly one response through `out` (or stops early if the client goes away).
  boost::asio::awaitable<void> handle(const HttpRequest& request, Responder& out);
  // Answers a request the server could not read (too large, malformed, too slow) with `error`,
  // logged and counted like any other. `request` holds what was read of it.
  boost::asio::awaitable<void> reject(const HttpRequest& request, const Error& error,
                                      Responder& out);

 private:
  struct Answer;
  boost::asio::awaitable<void> invoke(model::Operation op, const HttpRequest& http,
                                      RequestContext& ctx, Responder& out, Answer& answer);
  boost::asio::awaitable<void> stream(RequestContext& ctx, Chain::Run& run, Responder& out,
                                      Answer& answer);
  boost::asio::awaitable<void> send_error(const Error& error, RequestContext& ctx, Responder& out,
                                          Answer& answer);
  void record(const HttpRequest& http, const RequestContext& ctx, const Answer& answer);

  const config::SnapshotHolder& config_;
  observability::AccessLog& access_log_;
  routing::Router router_;
  Chain chain_;  // no policies yet; later issues add auth, limits, cache, … here
};

}  // namespace sluice::pipeline
