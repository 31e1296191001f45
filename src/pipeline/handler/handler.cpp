#include "pipeline/handler/handler.hpp"

#include <functional>
#include <iostream>

#include "config/workspace.hpp"
#include "observability/metrics.hpp"
#include "pipeline/cors.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "policies/auth/auth.hpp"
#include "policies/prompt/prompt.hpp"
#include "util/request_id.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;

namespace {

using Kind = PathMatch::Kind;

// With gateway keys on, everything that reaches or describes a model needs a valid key; the
// operational paths (health, metrics, admin with its own key) do not.
bool needs_gateway_key(Kind kind) {
  switch (kind) {
    case Kind::kNotFound:
    case Kind::kMethodNotAllowed:
    case Kind::kMetrics:
    case Kind::kHealth:
    case Kind::kAdmin:
    case Kind::kConsole:  // (its sign-in takes the key in the body)
      return false;
    default:
      return true;
  }
}

}  // namespace

// What each kind of path is answered by, in PathMatch::Kind's order.
const Handler::PathFunction Handler::kPaths[] = {
    &Handler::not_found,           // kNotFound
    &Handler::method_not_allowed,  // kMethodNotAllowed
    &Handler::invoke,              // kInvoke
    &Handler::models,              // kOpenAiModels
    &Handler::model,               // kOpenAiModel
    &Handler::invoke,              // kMlflowInvoke
    &Handler::invoke,              // kNamedInvoke
    &Handler::mlflow_catalog,      // kMlflowList
    &Handler::mlflow_catalog,      // kMlflowGet
    &Handler::mlflow_catalog,      // kMlflowListRoutes
    &Handler::mlflow_catalog,      // kMlflowGetRoute
    &Handler::mlflow_catalog,      // kMlflowTrafficRoute
    &Handler::mlflow_limits,       // kMlflowLimits
    &Handler::metrics,             // kMetrics
    &Handler::health,              // kHealth
    &Handler::admin,               // kAdmin
    &Handler::tokenize,            // kTokenize
    &Handler::count_tokens,        // kCountTokens
    &Handler::passthrough,         // kPassthrough
    &Handler::stored_response,     // kStoredResponse
    &Handler::raw_proxy,           // kRawProxy
    &Handler::console,             // kConsole
    &Handler::key_info,            // kKeyInfo
};

Handler::Handler(HandlerEnv env, upstream::Client& client)
    : env_(env),
      client_(client),
      router_(client, [](routing::RouteCall& call) { return policies::PromptPolicy::apply(call); }),
      services_{env.governance, env.counters, this, env.cache, env.alerts},
      planner_(std::random_device{}()),
      access_log_(env.access_log),
      trace_(env.spans),
      request_log_(env.governance.request_log()) {
  observers_.add(access_log_);
  observers_.add(metrics_);
  observers_.add(trace_);
  observers_.add(request_log_);
}

bool Handler::visible(const RequestContext& ctx, std::string_view workspace) {
  return config::workspace_visible(ctx.workspace, workspace);
}

std::shared_ptr<const policies::Chains> Handler::chains_for(const RequestContext& ctx) {
  // Built on this worker the first time one of its requests sees a new snapshot; a request
  // still running on an older one holds that one's chains itself.
  if (chains_ == nullptr || chains_->snapshot() != ctx.snapshot.get())
    chains_ = std::make_shared<const policies::Chains>(ctx.snapshot, env_.policy_rows, services_);
  return chains_;
}

bool Handler::resolve(RequestContext& ctx, std::string_view name, bool any_workspace) {
  // Another workspace's endpoints and routes do not exist for this key.
  const config::Endpoint* found = ctx.snapshot->find(name);
  if (!any_workspace) {
    if (found != nullptr && !visible(ctx, found->workspace)) return false;
    if (found == nullptr) {
      const config::Route* route = ctx.snapshot->find_route(name);
      if (route != nullptr && !visible(ctx, route->workspace)) return false;
    }
  }
  if (const config::Endpoint* endpoint = found) {
    ctx.endpoint = endpoint;
    ctx.route = endpoint->routing.get();
    if (ctx.route == nullptr) {
      // One endpoint, one destination: a pin can only name it.
      if (!ctx.choice.pin.empty() && ctx.choice.pin != endpoint->name) {
        ctx.plan_error = Error::invalid("x-sluice-destination '" + std::string(ctx.choice.pin) +
                                        "' is not a destination of '" + endpoint->name + "'.");
      }
      return true;
    }
  } else {
    ctx.route = ctx.snapshot->find_route(name);
    if (ctx.route == nullptr) return false;
  }
  // Validation guarantees every destination names an endpoint of this snapshot.
  auto planned = planner_.plan(*ctx.route, *ctx.snapshot, ctx.choice, Clock::now(), ctx.plan);
  if (planned && ctx.key && !ctx.key->models.empty()) {
    // A key's `models` hold for every destination the request may reach, not only the first:
    // a fallback or retry elsewhere never takes it to a model it may not use. With none left the
    // first stays, for the auth policy to refuse (403 model_not_allowed).
    routing::Plan allowed;
    for (const auto i : ctx.plan) {
      const auto& e = ctx.snapshot->endpoints[ctx.route->destinations[i].endpoint];
      if (policies::key_allows_model(*ctx.key, e.model_name)) allowed.push_back(i);
    }
    if (!allowed.empty()) {
      ctx.plan = std::move(allowed);
    } else {
      ctx.plan.resize(1);
    }
  }
  const auto& first = ctx.route->destinations[planned ? ctx.plan.front() : 0];
  ctx.endpoint = &ctx.snapshot->endpoints[first.endpoint];
  ctx.prompt_version = first.prompt_version;
  if (!planned) ctx.plan_error = planned.error();
  return true;
}

void Handler::begin(RequestContext& ctx, const HttpRequest& http, std::string request_id,
                    config::SnapshotPtr snapshot) {
  ctx.snapshot = snapshot ? std::move(snapshot) : env_.config.get();
  ctx.client_address = http.remote_address;
  ctx.http = &http;
  ctx.request_id = std::move(request_id);
  ctx.attempt_listener = &observers_;
  ctx.sub_requests = this;
  ctx.upstream_client = &client_;
  // Tracing needs the exporter the process started with (`otel:` at start); a reload that turns
  // it on takes a restart, so no traceparent names spans nobody sends.
  if (env_.spans != nullptr) begin_trace(ctx, http);
  if (const auto* log = env_.governance.request_log()) {
    const config::RequestLogSpec& spec = log->spec();
    ctx.logged = spec.sample_ratio >= 1 ||
                 (spec.sample_ratio > 0 &&
                  std::uniform_real_distribution<double>(0, 1)(rng_) < spec.sample_ratio);
    ctx.log_answer = ctx.logged && spec.capture_answer;
  }
}

asio::awaitable<void> Handler::handle(const HttpRequest& http, Responder& out) {
  auto& metrics = observability::Metrics::global();
  metrics.in_flight.fetch_add(1, std::memory_order_relaxed);
  struct Settle {
    ~Settle() {
      observability::Metrics::global().in_flight.fetch_sub(1, std::memory_order_relaxed);
    }
  } settle;
  std::string_view client_id = http.header("x-request-id");
  std::string request_id =
      util::is_acceptable_request_id(client_id) ? std::string(client_id) : util::new_request_id();
  std::string cause;
  config::SnapshotPtr snapshot = env_.config.get();
  // Cross-origin answers carry the CORS grant whatever path answers them, errors and streams
  // included; a preflight is answered with its own headers.
  std::optional<CorsResponder> cors;
  if (snapshot->server.cors.enabled && !http.header("origin").empty() && !is_preflight(http))
    cors.emplace(out, cors_headers(snapshot->server.cors, http));
  Responder& responder = cors ? static_cast<Responder&>(*cors) : out;
  try {
    co_await handle_request(http, responder, request_id, std::move(snapshot));
    co_return;
  } catch (const std::exception& e) {
    cause = e.what();
  } catch (...) {
    cause = "unknown exception";
  }
  std::cerr << "sluice: request " << request_id << " (" << http.method << " "
            << std::string(http.path()) << ") failed inside the gateway: " << cause << std::endl;
  if (responder.responded()) {
    responder.abort();  // the response is cut: the client must not take it for a whole one
    co_return;
  }
  HttpRequest answered;
  answered.method = http.method;
  answered.target = http.target;
  answered.headers.emplace_back("x-request-id", request_id);
  co_await reject(answered,
                  Error::make(ErrorCode::kInternal,
                              "The gateway failed while handling this request (request id " +
                                  request_id + "); the cause is in its log."),
                  responder);
}

asio::awaitable<void> Handler::handle_request(const HttpRequest& http, Responder& out,
                                              std::string request_id,
                                              config::SnapshotPtr snapshot) {
  RequestContext ctx;
  begin(ctx, http, std::move(request_id), std::move(snapshot));
  ctx.choice.pin = http.header("x-sluice-destination");
  const std::string_view no_fallback = http.header("x-sluice-no-fallback");
  ctx.choice.no_fallback = !no_fallback.empty() && no_fallback != "0" && no_fallback != "false";
  if (const std::string_view bearer = http.header("authorization"); bearer.starts_with("Bearer ")) {
    ctx.presented_key = bearer.substr(7);
  } else {
    ctx.presented_key = http.header("x-api-key");
  }
  PathMatch match = match_path(http.method, http.path());
  const config::Endpoint* named = nullptr;
  if (match.kind == Kind::kNotFound && (named = ctx.snapshot->find_path(http.path())) != nullptr) {
    // A named route's own path (from the config, not the fixed table).
    match = PathMatch{};
    match.api = "openai";
    if (http.method == "POST") {
      match.kind = Kind::kNamedInvoke;
      match.name = named->name;
    } else {
      match.kind = Kind::kMethodNotAllowed;
      match.allow = "POST";
    }
  }
  // A named path's 405 keeps the error shape it had before the path table knew named paths
  // (MLflow's, as for any path outside /v1/).
  const bool named_405 = match.kind == Kind::kMethodNotAllowed && match.api == "openai" &&
                         ctx.snapshot->find_path(http.path()) != nullptr;
  Call call{http, match, &api::api_row(named_405 ? "mlflow" : match.api), ctx, out, {}};
  ctx.api = call.match.api;
  observers_.start(ctx, http);
  // server.hosts: a Host of a workspace puts a caller without a key there.
  const std::string* host_workspace = ctx.snapshot->server.host_workspace(http.header("host"));
  if (host_workspace != nullptr) ctx.workspace = *host_workspace;
  bool allowed = true;
  if (!ctx.snapshot->server.hosts.empty() &&
      http.header_list("host").find(',') != std::string::npos) {
    // Two Host headers (RFC 9112 §3.2: a 400): which one names the workspace is not ours to pick.
    co_await send_error(call, Error::invalid("The request has more than one Host header."));
    allowed = false;
  } else if (ctx.snapshot->server.cors.enabled && is_preflight(http)) {
    // Browsers send no credentials with a preflight (Fetch §4.8), so it is answered before auth.
    co_await preflight(call);
    allowed = false;
  } else if (auto session_key =
                 match.kind == Kind::kKeyInfo
                     ? console_session_key(http, env_.sessions, env_.governance, *ctx.snapshot)
                     : nullptr) {
    ctx.key = session_key;
    ctx.workspace = session_key->workspace;
  } else if ((ctx.snapshot->governance.keys_required && needs_gateway_key(match.kind)) ||
             (match.kind == Kind::kKeyInfo && !ctx.presented_key.empty())) {
    // (GET /v1/key describes the key a request carries, whether or not keys are required.)
    auto denied = match.kind == Kind::kKeyInfo ? policies::identify_key(ctx, env_.governance)
                                               : policies::authenticate(ctx, env_.governance);
    if (denied) {
      co_await send_error(call, *denied);
      allowed = false;
    } else if (host_workspace != nullptr && ctx.key->workspace != *host_workspace) {
      ctx.workspace = ctx.key->workspace;  // (logged as the key's)
      co_await send_error(call, policies::wrong_host(*host_workspace));
      allowed = false;
    } else {
      ctx.workspace = ctx.key->workspace;
    }
  }
  if (allowed && named != nullptr && !visible(ctx, named->workspace)) {
    // Another workspace's named path: answered as a path nobody named.
    call.match = match_path(http.method, http.path());
    call.api = &api::api_row(call.match.api);
    ctx.api = call.match.api;
  }
  static_assert(std::size(kPaths) == static_cast<std::size_t>(Kind::kCount),
                "one function per PathMatch::Kind");
  if (allowed) {
    // Through std::invoke: GCC 12 at -O1 reports `(this->*path)(call)` under co_await as
    // maybe-uninitialized (a false positive, found by the ASan build).
    const PathFunction path = kPaths[static_cast<std::size_t>(call.match.kind)];
    co_await std::invoke(path, this, call);
  }
  observers_.complete(ctx, http, call.answer);
}

asio::awaitable<void> Handler::reject(const HttpRequest& http, const Error& error, Responder& out) {
  RequestContext ctx;
  std::string_view client_id = http.header("x-request-id");
  begin(
      ctx, http,
      util::is_acceptable_request_id(client_id) ? std::string(client_id) : util::new_request_id());
  // What was read may not even name a path; OpenAI's shape unless it is one of MLflow's paths.
  const PathMatch match = match_path(http.method, http.path());
  // An answer the server gave before the request was whole (413, 431, a bad frame) is readable
  // by a browser page like any other.
  std::optional<CorsResponder> cors;
  if (ctx.snapshot->server.cors.enabled && !http.header("origin").empty())
    cors.emplace(out, cors_headers(ctx.snapshot->server.cors, http));
  Call call{http,
            match,
            &api::api_row(match.kind != Kind::kNotFound ? match.api : std::string_view("openai")),
            ctx,
            cors ? static_cast<Responder&>(*cors) : out,
            {}};
  observers_.start(ctx, http);
  co_await send_error(call, error);
  observers_.complete(ctx, http, call.answer);
}

asio::awaitable<void> Handler::not_found(Call& call) {
  Error e = Error::make(ErrorCode::kNotFound, "Not Found");
  if (call.match.api == "openai") {
    e.message = "Unknown request URL: " + call.http.method + " " + std::string(call.http.path()) +
                ". Please check the URL for typos.";
  }
  co_await send_error(call, e);
}

asio::awaitable<void> Handler::method_not_allowed(Call& call) {
  Error e = Error::make(ErrorCode::kMethodNotAllowed, "Method Not Allowed");
  if (call.match.api == "openai") {
    e.message = "Method " + call.http.method + " is not allowed on " +
                std::string(call.http.path()) + "; use " + std::string(call.match.allow) + ".";
  }
  call.answer.status = http_status(e);
  call.answer.error = e.message;
  HeaderList headers = response_headers(call.ctx, nullptr, Body::kJson);
  headers.emplace_back("Allow", std::string(call.match.allow));
  call.answer.client_gone = !co_await call.out.send(call.answer.status, std::move(headers),
                                                    call.api->errors.render_error(e));
}

asio::awaitable<void> Handler::preflight(Call& call) {
  Preflight p = answer_preflight(call.ctx.snapshot->server.cors, call.http);
  if (!p.allowed) {
    std::string what = p.refused == "origin" ? "origin is not in server.cors.allow_origins"
                       : p.refused == "method"
                           ? "method is not in server.cors.allow_methods"
                           : "request headers are not all in server.cors.allow_headers";
    Error e = Error::make(ErrorCode::kForbidden, "CORS preflight refused: the " + what + ".");
    // Refused, it still varies with the origin and what was asked (for caches).
    CorsResponder varied(call.out, std::move(p.headers));
    Call refused{call.http, call.match, call.api, call.ctx, varied, {}};
    co_await send_error(refused, e);
    call.answer = refused.answer;
    co_return;
  }
  call.answer.status = 204;
  HeaderList headers = response_headers(call.ctx, nullptr, Body::kJson);
  std::erase_if(headers, [](const auto& h) { return h.first == "Content-Type"; });
  headers.insert(headers.end(), p.headers.begin(), p.headers.end());
  call.answer.client_gone = !co_await call.out.send(204, std::move(headers), std::string());
}

asio::awaitable<void> Handler::send_json(Call& call, unsigned status, std::string body) {
  call.answer.status = status;
  call.answer.client_gone = !co_await call.out.send(
      status, response_headers(call.ctx, call.answer.run, Body::kJson), std::move(body));
}

asio::awaitable<void> Handler::send_error(Call& call, const Error& error) {
  call.answer.status = http_status(error);
  call.answer.error = error.message;
  if (!call.ctx.error) call.ctx.error = error;
  HeaderList headers = response_headers(call.ctx, call.answer.run, Body::kJson);
  if (error.retry_after_s)
    headers.emplace_back("Retry-After", std::to_string(*error.retry_after_s));
  call.answer.client_gone = !co_await call.out.send(call.answer.status, std::move(headers),
                                                    call.api->errors.render_error(error));
}

}  // namespace sluice::pipeline
