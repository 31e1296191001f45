// The paths that describe rather than call: OpenAI's model list, MLflow's endpoint catalogue,
// metrics, health, and the tokenizer (the input-token counters are in count_tokens.cpp). The
// answers themselves are built next to their API (api/openai/render, api/mlflow/catalog,
// api/anthropic, observability/metrics).
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "api/mlflow/catalog.hpp"
#include "api/openai/render.hpp"
#include "config/workspace.hpp"
#include "observability/metrics.hpp"
#include "observability/process_metrics.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "pipeline/tokenize.hpp"
#include "policies/auth/auth.hpp"
#include "routing/describe.hpp"
#include "util/url.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Bodies up to this size are tokenized on the event loop (well under a millisecond's work for
// ordinary text); larger ones go to the CPU pool.
constexpr std::size_t kInlineTokenizeBytes = 64 * 1024;

// Whether the request (its workspace, and its gateway key if any) may call this endpoint.
bool visible_to_key(const RequestContext& ctx, const config::Endpoint& e) {
  return config::workspace_visible(ctx.workspace, e.workspace) &&
         (!ctx.key || (policies::key_allows_endpoint(*ctx.key, e.name) &&
                       policies::key_allows_model(*ctx.key, e.model_name)));
}

// Undoes %XX escapes (a base64 page token arrives with '=' as %3D).
std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace

asio::awaitable<void> Handler::models(Call& call) {
  // With a gateway key, the list shows what that key may call.
  std::function<bool(const config::Endpoint&)> visible =
      [&ctx = call.ctx](const config::Endpoint& e) { return visible_to_key(ctx, e); };
  co_await send_json(call, 200, api::openai::render_models(*call.ctx.snapshot, visible));
}

asio::awaitable<void> Handler::key_info(Call& call) {
  if (!call.ctx.key) {
    // Without gateway keys (auth.mode: keys) a request carries none to describe.
    const Error error =
        Error::make(ErrorCode::kNotFound,
                    "This gateway does not use gateway keys: there is no key to describe.");
    co_await send_error(call, error);
    co_return;
  }
  json::object o = admin::own_key(*call.ctx.key, env_.governance, *call.ctx.snapshot);
  // What it may call: the endpoints /v1/models lists for it, and the routes it may name.
  json::array callable;
  for (const auto& e : call.ctx.snapshot->endpoints) {
    if (!visible_to_key(call.ctx, e)) continue;
    callable.push_back(json::object{{"name", e.name},
                                    {"object", "endpoint"},
                                    {"endpoint_type", model::endpoint_type_name(e.operation)},
                                    {"provider", e.provider},
                                    {"model", e.model_name}});
  }
  for (const auto& r : call.ctx.snapshot->routes) {
    if (r.implicit || !config::workspace_visible(call.ctx.workspace, r.workspace) ||
        !policies::key_allows_endpoint(*call.ctx.key, r.name))
      continue;
    // A request goes only to destinations whose model the key may use (Handler::resolve): the
    // route is callable when there is one.
    const bool some_model_allowed =
        std::any_of(r.destinations.begin(), r.destinations.end(), [&](const auto& d) {
          return policies::key_allows_model(*call.ctx.key,
                                            call.ctx.snapshot->endpoints[d.endpoint].model_name);
        });
    if (!some_model_allowed) continue;
    callable.push_back(json::object{{"name", r.name},
                                    {"object", "route"},
                                    {"endpoint_type", model::endpoint_type_name(r.operation)}});
  }
  o["callable"] = std::move(callable);
  call.answer.status = 200;
  HeaderList headers = response_headers(call.ctx, call.answer.run, Body::kJson);
  headers.emplace_back("Cache-Control", "no-store");  // spend and budgets of this moment
  call.answer.client_gone = !co_await call.out.send(200, std::move(headers), json::serialize(o));
}

asio::awaitable<void> Handler::model(Call& call) {
  const std::string_view name = call.match.name;
  if (const auto* e = call.ctx.snapshot->find(name); e && visible_to_key(call.ctx, *e)) {
    json::object o{{"id", e->name}, {"object", "model"}, {"created", 0}, {"owned_by", e->provider}};
    co_await send_json(call, 200, json::serialize(o));
    co_return;
  }
  Error err =
      Error::make(ErrorCode::kNotFound, "The model '" + std::string(name) + "' does not exist.");
  err.param = "model";
  err.error_code = "model_not_found";
  co_await send_error(call, err);
}

asio::awaitable<void> Handler::mlflow_catalog(Call& call) {
  using Kind = PathMatch::Kind;
  const config::Snapshot& snapshot = *call.ctx.snapshot;
  const Kind kind = call.match.kind;
  Result<std::string> body = Error::invalid("");
  // (Not a ?: of a std::string and "": that makes a temporary string the view would outlive.)
  std::string_view workspace;
  workspace = call.ctx.workspace;
  if (kind == Kind::kMlflowTrafficRoute) {
    body = api::mlflow::get_traffic_route(snapshot, call.match.name, workspace);
  } else if (kind == Kind::kMlflowGet || kind == Kind::kMlflowGetRoute) {
    body = api::mlflow::get_endpoint(snapshot, call.match.name, kind == Kind::kMlflowGetRoute,
                                     workspace);
  } else {
    body = api::mlflow::list_endpoints(
        snapshot, percent_decode(util::query_value(call.http.query(), "page_token")),
        kind == Kind::kMlflowListRoutes, workspace);
  }
  if (body) {
    co_await send_json(call, 200, std::move(*body));
  } else {
    co_await send_error(call, body.error());
  }
}

asio::awaitable<void> Handler::mlflow_limits(Call& call) {
  co_await send_error(
      call, Error::make(ErrorCode::kNotImplemented,
                        call.http.method == "GET" ? "The get_limits API is not available yet."
                                                  : "The set_limits API is not available yet."));
}

asio::awaitable<void> Handler::metrics(Call& call) {
  call.answer.status = 200;
  HeaderList headers{{"Content-Type", "text/plain; version=0.0.4"},
                     {"x-request-id", call.ctx.request_id}};
  // An endpoint's series carry the provider and model it has in the config in use.
  const config::Snapshot& snapshot = *call.ctx.snapshot;
  std::string text = observability::Metrics::global().render([&](const std::string& name) {
    const config::Endpoint* e = snapshot.find(name);
    if (e == nullptr) return std::string();
    return "provider=\"" + observability::label_value(e->provider) + "\",model=\"" +
           observability::label_value(e->model_name) + "\"";
  });
  routing::render_metrics(snapshot, routing::Clock::now(), text);
  observability::render_process_metrics(text);
  call.answer.client_gone = !co_await call.out.send(200, std::move(headers), std::move(text));
}

asio::awaitable<void> Handler::health(Call& call) {
  co_await send_json(call, 200, std::string(R"({"status":"OK"})"));
}

asio::awaitable<void> Handler::tokenize(Call& call) {
  // A large input is tokenized on the CPU pool, so this event loop keeps serving others.
  // GCC 12 may destroy a temporary of a co_await expression twice (a ?: around it, a lambda
  // argument): no co_await in ?:, and the lambda captures only plain pointers (the request, and
  // so its snapshot, outlives the call).
  Result<std::string> body = Error::invalid("");
  const HttpRequest* http = &call.http;
  const config::Snapshot* snapshot = call.ctx.snapshot.get();
  const std::string_view* workspace = &call.ctx.workspace;
  if (http->body.size() <= kInlineTokenizeBytes) {
    body = pipeline::tokenize(http->body, *snapshot, *workspace);
  } else {
    body = co_await asio::co_spawn(
        env_.cpu,
        [http, snapshot, workspace]() -> asio::awaitable<Result<std::string>> {
          co_return pipeline::tokenize(http->body, *snapshot, *workspace);
        },
        asio::use_awaitable);
  }
  if (body) {
    co_await send_json(call, 200, std::move(*body));
  } else {
    co_await send_error(call, body.error());
  }
}

}  // namespace sluice::pipeline
