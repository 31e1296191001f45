// /admin/…: which admin resource (admin/admin_api.hpp), the admin key, then its answer. The
// store's resources and reloading block, so they run on the blocking pool.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "routing/describe.hpp"
#include "util/constant_time.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Why the request may not use the admin API (no admin key configured: 404; wrong key: 401).
std::optional<Error> admin_check(const HttpRequest& http, const RequestContext& ctx) {
  const std::string& key = ctx.snapshot->admin_key;
  if (key.empty()) {  // no admin key configured: the admin API does not exist
    return Error::make(ErrorCode::kNotFound, "Not Found");
  }
  std::string_view auth = http.header("authorization");
  std::string_view given = auth.starts_with("Bearer ") ? auth.substr(7) : std::string_view{};
  if (!util::constant_time_equal(given, key)) {
    return Error::make(ErrorCode::kUnauthorized, "A valid admin key is required.");
  }
  return std::nullopt;
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
  if (auto denied = admin_check(call.http, call.ctx)) {
    co_await send_error(call, *denied);
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
  admin::AdminRequest request{call.http.method, call.http.path(), call.http.query(),
                              call.http.body};
  auto* runtime = &env_.governance;
  auto* cache = env_.cache;
  const config::Snapshot* snapshot = call.ctx.snapshot.get();
  admin::AdminAnswer result = co_await asio::co_spawn(
      env_.blocking,
      [request, runtime, snapshot, cache]() -> asio::awaitable<admin::AdminAnswer> {
        co_return admin::handle_admin(request, *runtime, *snapshot, cache);
      },
      asio::use_awaitable);
  if (result.error) {
    co_await send_error(call, *result.error);
    co_return;
  }
  call.answer.status = result.status;
  HeaderList headers = response_headers(call.ctx, nullptr, Body::kJson);
  headers.front().second = result.content_type;
  call.answer.client_gone =
      !co_await call.out.send(result.status, std::move(headers), std::move(result.body));
}

}  // namespace sluice::pipeline
