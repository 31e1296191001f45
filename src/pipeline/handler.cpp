#include "pipeline/handler.hpp"

#include <boost/json.hpp>
#include <cstdio>

#include "api/openai/parse.hpp"
#include "api/openai/render.hpp"
#include "observability/metrics.hpp"
#include "util/request_id.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

// What was sent back, for the access log and metrics.
struct Handler::Answer {
  unsigned status = 0;
  bool stream = false;
  bool client_gone = false;
  std::string error;  // redacted message, when the request failed
};

namespace {

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string overhead_header(const RequestContext& ctx) {
  double overhead = millis(Clock::now() - ctx.started - ctx.upstream_time);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", overhead < 0 ? 0.0 : overhead);
  return buf;
}

HeaderList json_headers(const RequestContext& ctx) {
  return {{"Content-Type", "application/json"},
          {"x-request-id", ctx.request_id},
          {"x-sluice-overhead-ms", overhead_header(ctx)}};
}

struct ApiRoute {
  std::string_view path;
  std::string_view method;
  enum Kind { kInvoke, kModels, kMetrics, kHealth } kind;
  model::Operation operation = model::Operation::kChat;
};

constexpr ApiRoute kRoutes[] = {
    {"/v1/chat/completions", "POST", ApiRoute::kInvoke, model::Operation::kChat},
    {"/v1/completions", "POST", ApiRoute::kInvoke, model::Operation::kCompletions},
    {"/v1/embeddings", "POST", ApiRoute::kInvoke, model::Operation::kEmbeddings},
    {"/v1/models", "GET", ApiRoute::kModels},
    {"/metrics", "GET", ApiRoute::kMetrics},
    {"/health", "GET", ApiRoute::kHealth},
};

// True unless the request names a media type other than JSON.
bool is_json_media_type(std::string_view content_type) {
  if (content_type.empty()) return true;
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower(type);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

}  // namespace

asio::awaitable<void> Handler::handle(const HttpRequest& http, Responder& out) {
  auto& metrics = observability::Metrics::global();
  metrics.in_flight.fetch_add(1, std::memory_order_relaxed);
  RequestContext ctx;
  ctx.snapshot = config_.get();
  std::string_view client_id = http.header("x-request-id");
  ctx.request_id =
      util::is_acceptable_request_id(client_id) ? std::string(client_id) : util::new_request_id();
  Answer answer;

  const std::string_view path = http.path();
  const ApiRoute* route = nullptr;
  std::string allow;
  for (const auto& r : kRoutes) {
    if (r.path != path) continue;
    if (r.method == http.method) route = &r;
    allow = r.method;
  }
  std::string_view model_id;
  if (route == nullptr && path.starts_with("/v1/models/")) {
    model_id = path.substr(std::string_view("/v1/models/").size());
    if (http.method == "GET") {
      static constexpr ApiRoute kModel{"/v1/models/{id}", "GET", ApiRoute::kModels};
      route = &kModel;
    } else {
      allow = "GET";
    }
  }

  if (route == nullptr && !allow.empty()) {
    Error e =
        Error::make(ErrorCode::kMethodNotAllowed, "Method " + http.method + " is not allowed on " +
                                                      std::string(path) + "; use " + allow + ".");
    answer.status = http_status(e);
    answer.error = e.message;
    HeaderList headers = json_headers(ctx);
    headers.emplace_back("Allow", allow);
    answer.client_gone =
        !co_await out.send(answer.status, std::move(headers), api::openai::render_error(e));
  } else if (route == nullptr) {
    co_await send_error(Error::make(ErrorCode::kNotFound, "Unknown request URL: " + http.method +
                                                              " " + std::string(path) +
                                                              ". Please check the URL for typos."),
                        ctx, out, answer);
  } else {
    switch (route->kind) {
      case ApiRoute::kInvoke:
        co_await invoke(route->operation, http, ctx, out, answer);
        break;
      case ApiRoute::kModels:
        if (model_id.empty()) {
          answer.status = 200;
          answer.client_gone =
              !co_await out.send(200, json_headers(ctx), api::openai::render_models(*ctx.snapshot));
        } else if (const auto* e = ctx.snapshot->find(model_id)) {
          answer.status = 200;
          json::object o{
              {"id", e->name}, {"object", "model"}, {"created", 0}, {"owned_by", e->provider}};
          answer.client_gone = !co_await out.send(200, json_headers(ctx), json::serialize(o));
        } else {
          Error err = Error::make(ErrorCode::kNotFound,
                                  "The model '" + std::string(model_id) + "' does not exist.");
          err.param = "model";
          err.error_code = "model_not_found";
          co_await send_error(err, ctx, out, answer);
        }
        break;
      case ApiRoute::kMetrics: {
        answer.status = 200;
        HeaderList headers{{"Content-Type", "text/plain; version=0.0.4"},
                           {"x-request-id", ctx.request_id}};
        answer.client_gone = !co_await out.send(200, std::move(headers), metrics.render());
        break;
      }
      case ApiRoute::kHealth:
        answer.status = 200;
        answer.client_gone =
            !co_await out.send(200, json_headers(ctx), std::string(R"({"status":"OK"})"));
        break;
    }
  }
  record(http, ctx, answer);
  metrics.in_flight.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> Handler::reject(const HttpRequest& http, const Error& error, Responder& out) {
  RequestContext ctx;
  std::string_view client_id = http.header("x-request-id");
  ctx.request_id =
      util::is_acceptable_request_id(client_id) ? std::string(client_id) : util::new_request_id();
  Answer answer;
  co_await send_error(error, ctx, out, answer);
  record(http, ctx, answer);
}

asio::awaitable<void> Handler::invoke(model::Operation op, const HttpRequest& http,
                                      RequestContext& ctx, Responder& out, Answer& answer) {
  if (!is_json_media_type(http.header("content-type"))) {
    co_await send_error(
        Error::make(ErrorCode::kUnsupportedMediaType, "Unsupported Content-Type '" +
                                                          std::string(http.header("content-type")) +
                                                          "'; send application/json."),
        ctx, out, answer);
    co_return;
  }
  if (auto parsed = api::openai::parse_request_into(op, http.body, ctx.request); !parsed) {
    co_await send_error(parsed.error(), ctx, out, answer);
    co_return;
  }
  ctx.endpoint = ctx.snapshot->find(ctx.request.endpoint);
  if (ctx.endpoint == nullptr) {
    Error e =
        Error::make(ErrorCode::kNotFound,
                    "The model '" + ctx.request.endpoint +
                        "' does not exist: it is not an endpoint in the gateway's configuration.");
    e.param = "model";
    e.error_code = "model_not_found";
    co_await send_error(e, ctx, out, answer);
    co_return;
  }
  if (ctx.endpoint->operation != op) {
    Error e = Error::invalid("Endpoint '" + ctx.endpoint->name + "' is a " +
                                 std::string(model::endpoint_type_name(ctx.endpoint->operation)) +
                                 " endpoint; it cannot serve " + std::string(http.path()) + ".",
                             "model");
    co_await send_error(e, ctx, out, answer);
    co_return;
  }

  Chain::Run run(chain_);
  if (co_await run.request(ctx) == Verdict::kStop) {
    if (ctx.error) {
      co_await send_error(*ctx.error, ctx, out, answer);
    } else if (ctx.reply) {
      answer.status = 200;
      answer.client_gone = !co_await out.send(
          200, json_headers(ctx), api::openai::render_response(ctx.request, *ctx.reply));
    }
  } else if (ctx.request.stream) {
    co_await stream(ctx, run, out, answer);
  } else {
    auto response = co_await router_.call(ctx);
    if (response) {
      ctx.usage = response->usage;
      co_await run.response(ctx, *response);
    }
    if (!response) {
      co_await send_error(response.error(), ctx, out, answer);
    } else {
      answer.status = 200;
      std::string body = api::openai::render_response(ctx.request, *response);
      answer.client_gone = !co_await out.send(200, json_headers(ctx), std::move(body));
    }
  }
  run.complete(ctx, Outcome{answer.status, answer.client_gone, ctx.error ? &*ctx.error : nullptr});
}

asio::awaitable<void> Handler::stream(RequestContext& ctx, Chain::Run& run, Responder& out,
                                      Answer& answer) {
  answer.stream = true;
  auto opened = co_await router_.open_stream(ctx);
  if (!opened) {
    co_await send_error(opened.error(), ctx, out, answer);
    co_return;
  }
  // Headers are held back until the first event is ready, so a provider that fails before
  // producing anything still gets its real status to the client instead of a 200.
  bool started = false;
  std::optional<Error> failure;
  std::vector<model::StreamEvent> events;
  for (;;) {
    const auto t0 = Clock::now();
    auto piece = co_await opened->exchange->read_some();
    ctx.upstream_time += Clock::now() - t0;
    if (!piece) {
      failure = piece.error();
      break;
    }
    const bool at_end = piece->empty();
    events.clear();
    auto fed =
        at_end ? opened->translator->finish(events) : opened->translator->feed(*piece, events);
    std::string frames;
    for (auto& event : events) {
      if (!event.usage.empty()) ctx.usage = event.usage;
      run.stream_event(ctx, event);
      frames += api::openai::render_stream_event(ctx.request, event);
    }
    if (!fed) failure = fed.error();
    if (at_end && !failure) frames += api::openai::kStreamDone;
    if (!frames.empty() && !started) {
      if (failure) break;  // nothing sent yet: answer with a plain error response below
      started = true;
      answer.status = 200;
      HeaderList headers{{"Content-Type", "text/event-stream"},
                         {"Cache-Control", "no-cache"},
                         {"x-request-id", ctx.request_id}};
      if (!co_await out.start_stream(200, std::move(headers))) {
        answer.client_gone = true;
        co_return;
      }
    }
    if (!frames.empty() && !co_await out.send_chunk(std::move(frames))) {
      answer.client_gone = true;  // dropping the exchange closes the upstream connection
      co_return;
    }
    if (failure) break;
    if (at_end) {
      answer.client_gone = !co_await out.end_stream();
      co_return;
    }
  }
  if (!started) {
    co_await send_error(*failure, ctx, out, answer);
    co_return;
  }
  // Content has reached the client: end the stream with an error event, never a silent cut.
  answer.error = "stream failed: " + failure->message;
  ctx.error = *failure;
  answer.client_gone = !co_await out.send_chunk(api::openai::render_stream_error(*failure));
  if (!answer.client_gone) answer.client_gone = !co_await out.end_stream();
}

asio::awaitable<void> Handler::send_error(const Error& error, RequestContext& ctx, Responder& out,
                                          Answer& answer) {
  answer.status = http_status(error);
  answer.error = error.message;
  if (!ctx.error) ctx.error = error;
  answer.client_gone =
      !co_await out.send(answer.status, json_headers(ctx), api::openai::render_error(error));
}

void Handler::record(const HttpRequest& http, const RequestContext& ctx, const Answer& answer) {
  const auto elapsed = Clock::now() - ctx.started;
  observability::AccessRecord r;
  r.request_id = ctx.request_id;
  r.method = http.method;
  r.path = std::string(http.path());
  r.status = answer.client_gone && answer.status == 0 ? 499 : answer.status;
  r.latency_ms = millis(elapsed);
  r.overhead_ms = millis(elapsed - ctx.upstream_time);
  if (r.overhead_ms < 0) r.overhead_ms = 0;
  r.stream = answer.stream;
  r.usage = ctx.usage;
  r.error = answer.client_gone ? (answer.error.empty() ? "client disconnected"
                                                       : answer.error + "; client disconnected")
                               : answer.error;
  auto& metrics = observability::Metrics::global();
  observability::EndpointStats* stats = &metrics.unrouted();
  if (ctx.endpoint != nullptr) {
    stats = ctx.endpoint->stats;
    r.endpoint = ctx.endpoint->name;
    r.provider = ctx.endpoint->provider;
    r.provider_model = ctx.endpoint->adapter->provider_model();
    if (ctx.upstream_called) {
      r.upstream_latency_ms = millis(ctx.upstream_time);
      stats->upstream_latency.observe(std::chrono::duration<double>(ctx.upstream_time).count());
    }
    if (ctx.usage.prompt_tokens)
      stats->prompt_tokens.fetch_add(*ctx.usage.prompt_tokens, std::memory_order_relaxed);
    if (ctx.usage.completion_tokens) {
      stats->completion_tokens.fetch_add(*ctx.usage.completion_tokens, std::memory_order_relaxed);
    }
  }
  stats->count_status(r.status);
  stats->latency.observe(std::chrono::duration<double>(elapsed).count());
  access_log_.write(r);
}

}  // namespace sluice::pipeline
