// /admin/…: which admin resource (admin/admin_api.hpp), the admin key, then its answer. The
// store's resources and reloading block, so they run on the blocking pool.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/scope.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "policies/auth/auth.hpp"
#include "routing/describe.hpp"
#include "util/constant_time.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Who calls the admin API: the admin key (every workspace) or a gateway key with role: admin
// (its own workspace; on a Host that server.hosts gives to a workspace, only that one's). An
// error when neither: 404 when the config has no admin key and the caller is no workspace admin
// (the admin API does not exist for it), 401 for a wrong key, 403 for a workspace admin on
// another workspace's host.
// A workspace admin's key and workspace go into `ctx` too, for the access log.
Result<admin::AdminRequest> admin_caller(const HttpRequest& http, RequestContext& ctx,
                                         const governance::Runtime& runtime,
                                         admin::ConsoleSessions* sessions) {
  const std::string& admin_key = ctx.snapshot->admin_key;
  std::string_view auth = http.header("authorization");
  // The console's session (its cookie) in place of a key; every change carries its CSRF token,
  // so a page of another site that makes the browser send the cookie changes nothing.
  if (auth.empty() && sessions != nullptr && !http.header("cookie").empty()) {
    auto live = live_console_session(http, sessions, runtime, *ctx.snapshot);
    // (Other cookies of the site are not the console's: those go on to the key check.)
    if (!live && !admin::cookie_value(http.header("cookie"), "sluice_session").empty()) {
      return Error::make(ErrorCode::kUnauthorized,
                         "Not signed in: the console session has ended, or was made for "
                         "another site or key. Sign in again.");
    }
    if (live) {
      const admin::ConsoleSession& s = live->session;
      // GET and HEAD change nothing (RFC 9110 §9.2.1); anything else needs the token.
      if (http.method != "GET" && http.method != "HEAD" &&
          !util::constant_time_equal(http.header("x-csrf-token"), s.csrf))
        return Error::make(ErrorCode::kForbidden, "X-CSRF-Token is missing or wrong.");
      admin::AdminRequest caller;
      if (s.role == admin::ConsoleSession::Role::kAdmin) {
        caller.actor = "console:admin";
        return caller;
      }
      if (s.role == admin::ConsoleSession::Role::kWorkspaceAdmin) {
        caller.actor = "key:" + s.key_id;
        caller.workspace = live->key->workspace;
        ctx.key = live->key;
        ctx.workspace = live->key->workspace;
        return caller;
      }
      return Error::make(ErrorCode::kForbidden,
                         "A gateway key's session sees the developer view, not the admin API.");
    }
  }
  std::string_view given = auth.starts_with("Bearer ") ? auth.substr(7) : std::string_view{};
  admin::AdminRequest caller;
  if (!admin_key.empty() && util::constant_time_equal(given, admin_key)) return caller;
  std::shared_ptr<const config::KeySpec> key;
  if (!given.empty()) key = runtime.find_key(ctx.snapshot->governance, given);
  // (A workspace admin always has a named workspace: config and admin API refuse one without.)
  if (key == nullptr || !key->admin || key->workspace.empty()) {
    if (admin_key.empty()) return Error::make(ErrorCode::kNotFound, "Not Found");
    return Error::make(ErrorCode::kUnauthorized, "A valid admin key is required.");
  }
  if (auto e = policies::unusable(*key)) return *e;
  const std::string* host = ctx.snapshot->server.host_workspace(http.header("host"));
  if (host != nullptr && *host != key->workspace) return policies::wrong_host(*host);
  caller.actor = "key:" + key->id;
  caller.workspace = key->workspace;
  ctx.key = key;
  ctx.workspace = key->workspace;
  return caller;
}

// An answer of the admin API as it is (MLflow 3's management API writes its own errors).
asio::awaitable<void> send_answer(Handler::Call& call, admin::AdminAnswer result) {
  call.answer.status = result.status;
  HeaderList headers = response_headers(call.ctx, nullptr, Body::kJson);
  headers.front().second = result.content_type;
  call.answer.client_gone =
      !co_await call.out.send(result.status, std::move(headers), std::move(result.body));
}

}  // namespace

asio::awaitable<void> Handler::admin(Call& call) {
  const admin::AdminPath path = admin::match_admin_path(call.http.method, call.http.path());
  if (path.kind == admin::AdminPath::kNone) {
    // Not an admin resource: answered like any unknown path (MLflow's shape, as it is not /v1/).
    call.match.api = "mlflow";
    call.api = &api::api_row("mlflow");
    co_await not_found(call);
    co_return;
  }
  if (!path.allow.empty()) {
    call.match.allow = path.allow;
    co_await method_not_allowed(call);
    co_return;
  }
  Result<admin::AdminRequest> caller =
      admin_caller(call.http, call.ctx, env_.governance, env_.sessions);
  if (!caller) {
    if (!admin::mlflow_gateway_rest(call.http.path()).empty()) {
      co_await send_answer(call, admin::mlflow_error(caller.error()));
      co_return;
    }
    co_await send_error(call, caller.error());
    co_return;
  }
  if (caller->workspace && path.kind != admin::AdminPath::kGovernance) {
    // Reloading the file and the routes' health are the whole gateway's.
    co_await send_error(call, admin::admin_key_only(call.http.path()));
    co_return;
  }
  if (path.kind != admin::AdminPath::kGovernance) {
    if (auto bad = admin::unknown_query(call.http.path(), call.http.query())) {
      co_await send_error(call, *bad);
      co_return;
    }
  }
  if (path.kind == admin::AdminPath::kRoutes) {
    co_await send_json(call, 200,
                       routing::describe_routes(*call.ctx.snapshot, routing::Clock::now()));
    co_return;
  }
  if (path.kind == admin::AdminPath::kReload) {
    // Parsing and validating the file is blocking work: done on the blocking pool, then resumed
    // here. A plain pointer in the lambda: see the GCC 12 note in catalog_paths.cpp.
    const auto* reload = &env_.reload;
    Result<void> result = co_await asio::co_spawn(
        env_.blocking, [reload]() -> asio::awaitable<Result<void>> { co_return (*reload)(); },
        asio::use_awaitable);
    if (!result) {
      co_await send_error(call, result.error());
      co_return;
    }
    auto now = env_.config.get();
    json::object body{{"status", "reloaded"},
                      {"endpoints", now->endpoints.size()},
                      {"routes", now->routes.size()}};
    co_await send_json(call, 200, json::serialize(body));
    co_return;
  }
  // Keys, budgets, teams, spend, cache: store reads and writes, on the blocking pool.
  admin::AdminRequest request = std::move(*caller);
  request.method = call.http.method;
  request.path = call.http.path();
  request.query = call.http.query();
  request.body = call.http.body;
  // Plain pointers in the lambda (GCC 12 may destroy a non-trivial capture of a co_spawned
  // lambda twice: see catalog_paths.cpp); `request` lives in this frame past the co_await.
  const admin::AdminRequest* asked = &request;
  auto* runtime = &env_.governance;
  auto* cache = env_.cache;
  const config::Snapshot* snapshot = call.ctx.snapshot.get();
  admin::AdminAnswer result = co_await asio::co_spawn(
      env_.blocking,
      [asked, runtime, snapshot, cache]() -> asio::awaitable<admin::AdminAnswer> {
        co_return admin::handle_admin(*asked, *runtime, *snapshot, cache);
      },
      asio::use_awaitable);
  if (result.error) {
    co_await send_error(call, *result.error);
    co_return;
  }
  co_await send_answer(call, std::move(result));
}

}  // namespace sluice::pipeline
