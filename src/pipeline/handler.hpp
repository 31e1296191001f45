#pragma once
// Answers one HTTP request: finds the API and endpoint, runs the policy chain and the router,
// and writes the answer in the caller's API shape. One Handler per worker thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>

#include "api/inbound.hpp"
#include "config/snapshot_holder.hpp"
#include "governance/runtime.hpp"
#include "observability/access_log.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/http_exchange.hpp"
#include "pipeline/paths.hpp"
#include "routing/router.hpp"
#include "stores/counter_store.hpp"
#include "upstream/client.hpp"

namespace sluice::pipeline {

// What every worker's handler shares: process-wide state owned by the server.
struct HandlerEnv {
  const config::SnapshotHolder& config;
  observability::AccessLog& access_log;
  stores::CounterStore& counters;
  governance::Runtime& governance;        // keys, limits, budgets, spend ledger
  boost::asio::any_io_executor blocking;  // for work that must not run on an event loop
  boost::asio::any_io_executor cpu;       // CPU-heavy work (large tokenizations) off the loops
  std::function<Result<void>()> reload;   // reload the config file (blocking)
};

class Handler {
 public:
  Handler(HandlerEnv env, upstream::Client& client);

  // Writes exactly one response through `out` (or stops early if the client goes away). Never
  // throws: whatever throws while the request is handled becomes a 500 in the caller's error
  // shape with the request id (or, once the response has begun, a cut connection), logged with
  // its cause; the in-flight gauge and the policies' reservations are settled either way.
  boost::asio::awaitable<void> handle(const HttpRequest& request, Responder& out);
  // Answers a request the server could not read (too large, malformed, too slow) with `error`,
  // logged and counted like any other. `request` holds what was read of it.
  boost::asio::awaitable<void> reject(const HttpRequest& request, const Error& error,
                                      Responder& out);

 private:
  struct Answer;
  boost::asio::awaitable<void> handle_request(const HttpRequest& http, Responder& out,
                                              std::string request_id);
  boost::asio::awaitable<void> invoke(const PathMatch& match, const api::InboundApi& api,
                                      const HttpRequest& http, RequestContext& ctx, Responder& out,
                                      Answer& answer);
  boost::asio::awaitable<void> stream(const api::InboundApi& api, RequestContext& ctx,
                                      Chain::Run& run, Responder& out, Answer& answer);
  boost::asio::awaitable<void> send_json(unsigned status, std::string body, RequestContext& ctx,
                                         Responder& out, Answer& answer);
  boost::asio::awaitable<void> send_error(const api::InboundApi& api, const Error& error,
                                          RequestContext& ctx, Responder& out, Answer& answer);
  boost::asio::awaitable<void> admin_governance(const HttpRequest& http, RequestContext& ctx,
                                                Responder& out, Answer& answer);
  boost::asio::awaitable<void> admin_reload(const HttpRequest& http, RequestContext& ctx,
                                            Responder& out, Answer& answer);
  // POST /gateway/{openai,anthropic,gemini}/…: the client's provider-native request relayed to
  // the endpoint its body (or path) names, with the gateway's policies, logging and accounting.
  boost::asio::awaitable<void> passthrough(const PathMatch& match, const HttpRequest& http,
                                           RequestContext& ctx, Responder& out, Answer& answer);
  boost::asio::awaitable<void> admin_routes(const HttpRequest& http, RequestContext& ctx,
                                            Responder& out, Answer& answer);
  // Why the request may not use the admin API (no admin key configured: 404; wrong key: 401).
  static std::optional<Error> admin_check(const HttpRequest& http, const RequestContext& ctx);
  // Finds what `name` names (an endpoint or a route) and plans the destinations to try; sets
  // ctx.endpoint to the first. False when the name is unknown; a planning failure (a pin the
  // route does not allow, every breaker open) is left in ctx.plan_error.
  bool resolve(RequestContext& ctx, std::string_view name);
  void record(const HttpRequest& http, const RequestContext& ctx, const Answer& answer);

  HandlerEnv env_;
  routing::Router router_;
  Chain chain_;
  routing::Planner planner_;  // per worker, so its random draws need no lock
};

}  // namespace sluice::pipeline
