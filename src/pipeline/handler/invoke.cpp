// A model call in one of the inbound APIs' shapes: read the body into the internal request, find
// its endpoint or route, run the endpoint's chain, route it, answer in the caller's shape.
#include <algorithm>
#include <boost/json.hpp>

#include "api/mlflow/mlflow_api.hpp"
#include "model/stream_assembly.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "pipeline/handler/stream_usage.hpp"
#include "policies/accounting/accounting.hpp"
#include "util/json_numbers.hpp"
#include "util/json_parse.hpp"
#include "util/text.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<bool> Handler::parse_invocation(Call& call) {
  const HttpRequest& http = call.http;
  RequestContext& ctx = call.ctx;
  const api::InboundApi& api = *call.api->api;
  if (!util::is_json_media_type(http.header("content-type"))) {
    co_await send_error(
        call, Error::make(ErrorCode::kUnsupportedMediaType,
                          "Unsupported Content-Type '" + std::string(http.header("content-type")) +
                              "'; send application/json."));
    co_return false;
  }
  if (call.match.kind == PathMatch::Kind::kNamedInvoke) {
    // A named route's own path: the body holds template variables and parameters. (One the key
    // may not see was answered as an unknown path before this; checked again all the same.)
    if (!resolve(ctx, call.match.name)) {
      co_await not_found(call);
      co_return false;
    }
    boost::system::error_code ec;
    json::value parsed =
        util::parse_json_keeping_numbers(http.body, ec, ctx.request.body.storage());
    if (ec || !parsed.is_object()) {
      // Named first: GCC 12 destroys a temporary made in a ?: under co_await twice (a double
      // free found by a hostile probe).
      const Error bad =
          Error::invalid(util::too_deep(ec) ? std::string(util::kTooDeepMessage)
                                            : "The request body must be a JSON object.");
      co_await send_error(call, bad);
      co_return false;
    }
    ctx.request.body = std::move(parsed.get_object());
    ctx.request.operation = ctx.endpoint->operation;
    ctx.request.endpoint = ctx.endpoint->name;
    ctx.request.templated = true;
    ctx.named_path = true;
    if (const auto* s = ctx.request.body.if_contains("stream"); s && s->is_bool())
      ctx.request.stream = s->get_bool();
  } else if (call.match.operation) {
    // OpenAI and Anthropic: the path says what to do, the body's `model` names the endpoint or
    // route.
    const model::Operation op = *call.match.operation;
    auto parsed = api.parse(op, http.body, ctx.request);
    if (!parsed && (parsed.error().param == "messages" || parsed.error().param == "prompt") &&
        ctx.request.body.contains("model")) {
      // Without messages/prompt the body may be template variables for a templated endpoint.
      const auto* m = ctx.request.body.if_contains("model");
      if (m->is_string() && resolve(ctx, m->get_string()) && ctx.endpoint->prompt &&
          !ctx.endpoint->prompt->versions.empty()) {
        ctx.request.templated = true;
        parsed = api.parse(op, http.body, ctx.request);
      }
    }
    if (!parsed) {
      co_await send_error(call, parsed.error());
      co_return false;
    }
    // (already resolved above when the body turned out to be template variables)
    if (ctx.endpoint == nullptr && !resolve(ctx, ctx.request.endpoint)) {
      Error e = Error::make(
          ErrorCode::kNotFound,
          "The model '" + ctx.request.endpoint +
              "' does not exist: it is not an endpoint or route in the gateway's configuration.");
      e.param = "model";
      e.error_code = "model_not_found";
      co_await send_error(call, e);
      co_return false;
    }
    if (ctx.endpoint->operation != op) {
      co_await send_error(
          call, Error::invalid("Endpoint '" + ctx.request.endpoint + "' is a " +
                                   std::string(model::endpoint_type_name(ctx.endpoint->operation)) +
                                   " endpoint; it cannot serve " + std::string(http.path()) + ".",
                               "model"));
      co_return false;
    }
  } else {
    // MLflow: the path names the endpoint or route, whose type says how to read the body.
    if (!resolve(ctx, call.match.name)) {
      co_await send_error(call, Error::make(ErrorCode::kNotFound, "Not Found"));
      co_return false;
    }
    ctx.request.templated = ctx.endpoint->prompt && !ctx.endpoint->prompt->versions.empty();
    if (auto parsed = api.parse(ctx.endpoint->operation, http.body, ctx.request); !parsed) {
      co_await send_error(call, parsed.error());
      co_return false;
    }
    ctx.request.endpoint = call.match.name;
    if (auto native = api::mlflow::check_native_parameters(ctx.endpoint->provider, ctx.request);
        !native) {
      co_await send_error(call, native.error());
      co_return false;
    }
  }
  if (ctx.plan_error) {
    co_await send_error(call, *ctx.plan_error);
    co_return false;
  }
  ctx.request.anthropic_beta = http.header_list("anthropic-beta");
  if (call.match.api == "anthropic") {
    if (auto bad = client_anthropic_version(http, ctx.request.anthropic_version)) {
      co_await send_error(call, *bad);
      co_return false;
    }
  }
  co_return true;
}

std::optional<Error> Handler::client_anthropic_version(const HttpRequest& http, std::string& out) {
  const std::string_view version = http.header("anthropic-version");
  // A version is a date (2023-06-01); anything else would only be refused by Anthropic, later
  // and less clearly.
  const bool plain =
      version.size() <= 32 && std::all_of(version.begin(), version.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-';
      });
  if (!plain) {
    return Error::invalid(
        "The anthropic-version header must be an API version such as "
        "2023-06-01.");
  }
  out = version;
  return std::nullopt;
}

// Whether a /v1/responses request goes to OpenAI's own Responses API as it is: its `model` names
// a plain endpoint (no route, fallbacks, retries or prompt template) of the openai provider.
// Natively, nothing is lost (hosted tools, OpenAI's encrypted reasoning between turns, stored
// responses at OpenAI); elsewhere it is translated (api/responses), and so are requests a
// guardrail applies to.
bool Handler::native_responses(const Call& call) const {
  if (call.match.api != "responses") return false;
  boost::system::error_code ec;
  json::value body = util::parse_json(call.http.body, ec);
  const json::value* model =
      !ec && body.is_object() ? body.get_object().if_contains("model") : nullptr;
  if (model == nullptr || !model->is_string()) return false;
  const config::Endpoint* e = call.ctx.snapshot->find(model->get_string());
  if (e != nullptr && !visible(call.ctx, e->workspace)) e = nullptr;  // (answered as unknown)
  // Guardrails read and rewrite the translated form only, so a guarded request is translated.
  const bool guarded = (e != nullptr && !e->guardrails.empty()) ||
                       !call.ctx.snapshot->guardrails.default_on.empty() ||
                       (call.ctx.key && !call.ctx.key->guardrails.empty());
  return e != nullptr && e->provider == "openai" && e->routing == nullptr && e->prompt == nullptr &&
         e->operation == model::Operation::kChat && !guarded;
}

asio::awaitable<void> Handler::invoke(Call& call) {
  if (native_responses(call)) {
    call.match.native = "/responses";
    co_await passthrough(call);
    co_return;
  }
  if (!co_await parse_invocation(call)) co_return;
  if (call.match.api == "responses") {
    // (Nested: GCC 12 mishandles co_await in a short-circuit operand.)
    if (!co_await prepare_stored_response(call)) co_return;
  }
  RequestContext& ctx = call.ctx;
  const api::InboundApi& api = *call.api->api;
  // Another destination may need the request prepared its own way: keep the client's version.
  if (ctx.route != nullptr && ctx.route->reprepare && ctx.plan.size() > 1)
    ctx.pristine_body.emplace(ctx.request.body, ctx.request.body.storage());

  auto chains = chains_for(ctx);
  Chain::Run run(chains->of(ctx.endpoint), ctx);
  call.answer.run = &run;
  const Step::Kind decided = co_await run.request();
  if (decided == Step::Kind::kFail) {
    co_await send_error(call, *ctx.error);
  } else if (decided == Step::Kind::kAnswer) {
    // Named first: GCC 12 may destroy a temporary of a co_await expression twice.
    std::unique_ptr<Reply> reply = run.take_reply();
    co_await send_reply(call, *reply);
  } else if (ctx.request.stream) {
    co_await stream(call, run);
  } else {
    auto response = co_await router_.call(ctx);
    if (!response) {
      co_await send_error(call, response.error());
    } else {
      ctx.usage = response->usage;
      complete_usage(ctx, response->body);  // never free: what the provider left out is counted
      response->usage = ctx.usage;
      policies::price_request(ctx);
      if (!co_await run.answer(*response)) {
        co_await send_error(call, *ctx.error);
      } else {
        run.usage();
        log_answer_text(ctx, response->body);  // as the output guardrails left it
        std::string rendered = api.render_response(ctx.request, *response);
        // A kept Response is in the store before the client can ask for it by id.
        // (Nested ifs: GCC 12 mishandles co_await in a short-circuit operand.)
        if (ctx.request.responses.stored) {
          if (!co_await keep_response(call, *response, rendered))
            rendered = api.render_response(ctx.request, *response);  // now says store: false
        }
        co_await send_json(call, 200, std::move(rendered));
      }
    }
  }
  run.complete(
      Outcome{call.answer.status, call.answer.client_gone, ctx.error ? &*ctx.error : nullptr});
}

asio::awaitable<void> Handler::send_reply(Call& call, Reply& reply) {
  RequestContext& ctx = call.ctx;
  const api::InboundApi& api = *call.api->api;
  const model::Operation op = ctx.request.operation;
  if (ctx.request.responses.stored) {
    // A Responses answer given in the provider's place is kept like any other.
    model::Response whole =
        reply.response ? *reply.response : model::assemble_response(reply.events, op);
    std::string rendered = api.render_response(ctx.request, whole);
    co_await keep_response(call, whole, std::move(rendered));
  }
  if (!ctx.request.stream) {
    model::Response response =
        reply.response ? std::move(*reply.response) : model::assemble_response(reply.events, op);
    ctx.usage = response.usage;
    log_answer_text(ctx, response.body);
    co_await send_json(call, 200, api.render_response(ctx.request, response));
    co_return;
  }
  // A recorded stream replays through the client's own stream writer, as a provider's would.
  std::vector<model::StreamEvent> events =
      reply.response ? model::split_response(*reply.response, op) : std::move(reply.events);
  call.answer.stream = true;
  call.answer.status = 200;
  if (!co_await call.out.start_stream(200,
                                      response_headers(ctx, call.answer.run, Body::kEventStream))) {
    call.answer.client_gone = true;
    co_return;
  }
  std::unique_ptr<api::StreamWriter> writer = api.stream_writer(ctx.request);
  std::string frames;
  for (auto& event : events) {
    if (!event.usage.empty()) ctx.usage = event.usage;
    if (event.kind == model::StreamEvent::Kind::kChunk) log_answer_text(ctx, event.chunk);
    frames += writer->event(event);
  }
  frames += writer->end();
  // (Two statements: GCC 12 mishandles co_await in a short-circuit operand.)
  call.answer.client_gone = !co_await call.out.send_chunk(std::move(frames));
  if (!call.answer.client_gone) call.answer.client_gone = !co_await call.out.end_stream();
}

}  // namespace sluice::pipeline
