#pragma once
// Answers one HTTP request: finds what its path is for (paths.hpp, then the table in
// handler.cpp), and for a model call runs the endpoint's policy chain and the router and writes
// the answer in the caller's API shape. One Handler per worker thread. Its parts, one file each:
//   handler.cpp          dispatch, errors, the request's start and completion
//   invoke.cpp           /v1/*, MLflow invocations, named routes: parse, chain, route, answer
//   stream.cpp           relaying a provider's stream through the chain's stream hooks
//   passthrough.cpp      /gateway/{openai,anthropic,gemini}/…: the provider's own API
//   raw_proxy.cpp        /gateway/proxy/{endpoint}/…: MLflow 3's raw proxy
//   catalog_paths.cpp    models, MLflow's endpoint catalogue, metrics, health, token counts
//   admin_paths.cpp      /admin/… (admin/ answers the governance resources)
//   sub_requests.cpp     a policy's call to another endpoint (sub_request.hpp)
//   response_headers.cpp the head of every response

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <random>

#include "admin/console_sessions.hpp"
#include "api/registry.hpp"
#include "config/snapshot_holder.hpp"
#include "governance/runtime.hpp"
#include "observability/access_log.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/http_exchange.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/observers/access_log_observer.hpp"
#include "pipeline/observers/metrics_observer.hpp"
#include "pipeline/observers/request_log_observer.hpp"
#include "pipeline/observers/trace_observer.hpp"
#include "pipeline/paths.hpp"
#include "pipeline/sub_request.hpp"
#include "policies/registry.hpp"
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
  // The policies, in chain order (tests add their own).
  std::span<const policies::PolicyRow> policy_rows = policies::policy_rows();
  cache::ResponseCache* cache = nullptr;       // the response cache's stores (null: nothing cached)
  upstream::SpanExporter* spans = nullptr;     // traces (`otel:`); null: tracing is off
  upstream::WebhookSender* alerts = nullptr;   // alert webhooks (`alerts:`)
  admin::ConsoleSessions* sessions = nullptr;  // the console's sign-ins (process-wide)
};

// A console session as it stands now. The request's cookie names it; it is live only while its
// key still is what it was at sign-in: the admin key unchanged, or the gateway key not revoked,
// disabled, expired, rotated (its hash changed), moved to another workspace or, for a workspace
// admin, demoted. A session found dead is ended. A request a browser sent from another site (by
// Sec-Fetch-Site, else Origin) gets no session at all (a CORS grant never carries the console's
// cookie), nor one on a Host that server.hosts gives to another workspace.
struct LiveSession {
  admin::ConsoleSession session;
  std::shared_ptr<const config::KeySpec> key;  // null for the admin key
};
std::optional<LiveSession> live_console_session(const HttpRequest& http,
                                                admin::ConsoleSessions* sessions,
                                                const governance::Runtime& runtime,
                                                const config::Snapshot& snapshot);
// Whether a browser sent this request from the gateway's own origin (or it is not a browser's:
// neither Sec-Fetch-Site nor Origin).
bool same_origin_request(const HttpRequest& http);
// The gateway key behind the live console session the request's cookie names, when the request
// carries no key of its own; null otherwise. GET /v1/key takes it, so the developer view needs
// no key in the page.
std::shared_ptr<const config::KeySpec> console_session_key(const HttpRequest& http,
                                                           admin::ConsoleSessions* sessions,
                                                           const governance::Runtime& runtime,
                                                           const config::Snapshot& snapshot);

class Handler : public SubRequests {
 public:
  Handler(HandlerEnv env, upstream::Client& client);
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  // Writes exactly one response through `out` (or stops early if the client goes away). Never
  // throws: whatever throws while the request is handled becomes a 500 in the caller's error
  // shape with the request id (or, once the response has begun, a cut connection), logged with
  // its cause; the in-flight gauge and the policies' reservations are settled either way.
  boost::asio::awaitable<void> handle(const HttpRequest& request, Responder& out);
  // Answers a request the server could not read (too large, malformed, too slow) with `error`,
  // logged and counted like any other. `request` holds what was read of it.
  boost::asio::awaitable<void> reject(const HttpRequest& request, const Error& error,
                                      Responder& out);

  boost::asio::awaitable<Result<model::Response>> call(const RequestContext& parent,
                                                       model::Request& request) override;

  // One request being answered: what every path's function is given.
  struct Answer : Answered {
    const Chain::Run* run = nullptr;  // once the chain has started: its policies add headers
  };
  struct Call {
    const HttpRequest& http;
    PathMatch match;
    const api::ApiRow* api;  // the path family's API and error shape
    RequestContext& ctx;
    Responder& out;
    Answer answer;
  };
  using PathFunction = boost::asio::awaitable<void> (Handler::*)(Call&);

 private:
  boost::asio::awaitable<void> handle_request(const HttpRequest& http, Responder& out,
                                              std::string request_id, config::SnapshotPtr snapshot);
  // A CORS preflight (server.cors on): 204 with the grants, or 403.
  boost::asio::awaitable<void> preflight(Call& call);
  // The paths (handler.cpp's table maps each PathMatch::Kind to one of these).
  boost::asio::awaitable<void> not_found(Call& call);
  boost::asio::awaitable<void> method_not_allowed(Call& call);
  boost::asio::awaitable<void> invoke(Call& call);
  boost::asio::awaitable<void> passthrough(Call& call);
  boost::asio::awaitable<void> raw_proxy(Call& call);
  // A provider-native request's body (the passthrough, the raw proxy): JSON, one object, read
  // into ctx.request.body with its numbers as written. False when it answered an error (415,
  // 400).
  boost::asio::awaitable<bool> read_native_body(Call& call);
  // The provider's answer to a provider-native request (the passthrough, the raw proxy) sent to
  // the client as it came, with the gateway's headers, the usage read from it (a stream by
  // `reader`, null when it cannot be read) and the chain's answer and stream hooks. `dropped`:
  // what the endpoint kept from the provider; `renderer`: the family's API when a policy may
  // rewrite the answer in its shapes (null: pass or fail only); `responses`: OpenAI's Responses
  // API, whose ids are kept. Ends the chain's run.
  boost::asio::awaitable<void> relay_native(Call& call, Chain::Run& run,
                                            upstream::Exchange& exchange,
                                            const std::vector<std::string>& dropped,
                                            providers::StreamTranslator* reader,
                                            const api::InboundApi* renderer, bool responses);
  boost::asio::awaitable<void> models(Call& call);
  boost::asio::awaitable<void> key_info(Call& call);
  boost::asio::awaitable<void> model(Call& call);
  boost::asio::awaitable<void> mlflow_catalog(Call& call);
  boost::asio::awaitable<void> mlflow_limits(Call& call);
  boost::asio::awaitable<void> metrics(Call& call);
  boost::asio::awaitable<void> health(Call& call);
  // /ui: the console's files and its sign-in (console_paths.cpp).
  boost::asio::awaitable<void> console(Call& call);
  boost::asio::awaitable<void> console_session(Call& call);
  boost::asio::awaitable<void> tokenize(Call& call);
  boost::asio::awaitable<void> count_tokens(Call& call);
  bool native_responses(const Call& call) const;
  // GET / DELETE /v1/responses/{id} (stored_responses.cpp).
  boost::asio::awaitable<void> stored_response(Call& call);
  boost::asio::awaitable<void> admin(Call& call);
  static const PathFunction kPaths[];

  // invoke's parts.
  // Reads the body into ctx.request and finds its endpoint; false when it answered an error.
  boost::asio::awaitable<bool> parse_invocation(Call& call);
  // The client's anthropic-version header into `out` (model::Request::anthropic_version), or why
  // it cannot be sent on.
  static std::optional<Error> client_anthropic_version(const HttpRequest& http, std::string& out);
  boost::asio::awaitable<void> stream(Call& call, Chain::Run& run);
  // A /v1/responses request and the gateway's stored responses (stored_responses.cpp): refuses
  // store/previous_response_id when none are kept, else puts the previous response's
  // conversation ahead of the input and picks the id the answer is kept under. False when it
  // answered an error.
  boost::asio::awaitable<bool> prepare_stored_response(Call& call);
  // Keeps the answer (`answer`: the whole chat answer, `rendered`: the Response object the client
  // gets) when prepare_stored_response chose to. False when it could not be kept (logged; the
  // request's `store` echo is then false and the caller renders again).
  boost::asio::awaitable<bool> keep_response(Call& call, const model::Response& answer,
                                             std::string rendered);
  // OpenAI's own Responses API through the gateway (native /v1/responses, the passthrough): with
  // gateway keys on, previous_response_id must name a response the calling key made, as
  // recorded by keep_native_response (the id and key only) when the gateway keeps responses.
  // False when it answered an error.
  boost::asio::awaitable<bool> check_native_previous(Call& call);
  boost::asio::awaitable<void> keep_native_response(Call& call, std::string id);
  // The kept response `id` if the calling key made it; else nullopt, with the error sent (a 503
  // when the store cannot be read, not found otherwise; `param` names the field, if any).
  boost::asio::awaitable<std::optional<stores::StoredResponse>> owned_response(
      Call& call, stores::ResponseStore* store, const std::string& id, std::string param);
  // A policy's answer in the provider's place, as a stream when the client asked for one.
  boost::asio::awaitable<void> send_reply(Call& call, Reply& reply);
  boost::asio::awaitable<void> send_json(Call& call, unsigned status, std::string body);
  boost::asio::awaitable<void> send_error(Call& call, const Error& error);

  // Finds what `name` names (an endpoint or a route) and plans the destinations to try; sets
  // ctx.endpoint to the first. False when the name is unknown; a planning failure (a pin the
  // route does not allow, every breaker open) is left in ctx.plan_error.
  // `any_workspace`: a name the config chose (a policy's sub-request), not the client: found
  // whatever the key's workspace.
  bool resolve(RequestContext& ctx, std::string_view name, bool any_workspace = false);
  // Whether the request's key (none: the default workspace) may see an object in `workspace`
  // (config/workspace.hpp).
  static bool visible(const RequestContext& ctx, std::string_view workspace);
  // The chains of ctx's snapshot (built here on first use).
  std::shared_ptr<const policies::Chains> chains_for(const RequestContext& ctx);
  // A fresh request context for this worker.
  void begin(RequestContext& ctx, const HttpRequest& http, std::string request_id,
             config::SnapshotPtr snapshot = nullptr);

  HandlerEnv env_;
  upstream::Client& client_;  // the worker's; policies make their own calls through it
  routing::Router router_;
  policies::Services services_;
  std::shared_ptr<const policies::Chains> chains_;  // of the newest snapshot seen here
  routing::Planner planner_;                        // per worker, so its random draws need no lock
  AccessLogObserver access_log_;
  MetricsObserver metrics_;
  TraceObserver trace_;
  RequestLogObserver request_log_;
  std::minstd_rand rng_{std::random_device{}()};  // payload-log sampling (this worker only)
  Observers observers_;
  std::uint64_t sub_requests_ = 0;  // numbers this worker's sub-requests
};

}  // namespace sluice::pipeline
