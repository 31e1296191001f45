// POST /gateway/proxy/{endpoint}/{path}: MLflow 3's raw proxy. The client's JSON body goes as it
// is — its `model` too — to {path}?{query} under the endpoint's API root with the endpoint's
// credentials; the answer comes back as the provider sent it, as a stream when the provider
// answers with one (text/event-stream or application/x-ndjson: the body need not say `stream`,
// e.g. Gemini's ?alt=sse). Only for endpoints whose config says raw_proxy: true, since the client
// then picks the model and the path. The chain runs as on the passthrough: keys (their `models`
// against the model the client names), limits and budgets apply; guardrails refuse (they cannot
// read a body of no known shape), templates and the cache stand aside. Errors are MLflow's
// ({"detail": …}).
#include <algorithm>
#include <boost/json.hpp>

#include "pipeline/handler/handler.hpp"
#include "policies/auth/auth.hpp"
#include "providers/anthropic_fields.hpp"
#include "providers/openai/adapter.hpp"
#include "util/json_write.hpp"
#include "util/text.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// The model a raw request's path names, which the provider runs whatever the body says:
// Gemini's and Vertex AI's models/{model}:{method}, Azure OpenAI's deployments/{deployment}/…;
// "" when it names none.
std::string_view path_model(std::string_view path) {
  for (std::string_view marker : {std::string_view("models/"), std::string_view("deployments/")}) {
    for (auto at = path.find(marker); at != std::string_view::npos;
         at = path.find(marker, at + 1)) {
      if (at != 0 && path[at - 1] != '/') continue;
      std::string_view model = path.substr(at + marker.size());
      model = model.substr(0, model.find_first_of(":/"));
      if (!model.empty()) return model;
    }
  }
  return {};
}

// A model name the gateway records and checks: printable ASCII of a sensible length.
bool plain_model_name(std::string_view m) {
  return m.size() <= 256 && std::all_of(m.begin(), m.end(), [](char c) {
           return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
         });
}

}  // namespace

asio::awaitable<void> Handler::raw_proxy(Call& call) {
  const PathMatch& match = call.match;
  const HttpRequest& http = call.http;
  RequestContext& ctx = call.ctx;
  std::string_view problem = proxy_path_problem(match.native);
  std::string_view part = "path";
  if (problem.empty()) {
    problem = proxy_query_problem(http.query());
    part = "query";
  }
  if (!problem.empty()) {
    co_await send_error(
        call, Error::invalid("The " + std::string(part) + " to proxy has " + std::string(problem) +
                             ": it is sent under the provider's API root as it "
                             "is, so it must be plain RFC 3986 text."));
    co_return;
  }
  if (!co_await read_native_body(call)) co_return;
  const std::string name(match.name);
  ctx.endpoint = ctx.snapshot->find(name);
  // Another workspace's endpoint does not exist for this caller.
  if (ctx.endpoint != nullptr && !visible(ctx, ctx.endpoint->workspace)) ctx.endpoint = nullptr;
  if (ctx.endpoint == nullptr) {
    co_await send_error(
        call, Error::make(ErrorCode::kNotFound, "The endpoint '" + name + "' does not exist."));
    co_return;
  }
  // A key that may not use the endpoint is told so by the chain (auth), as on every path, before
  // it learns anything of the endpoint's config.
  const bool key_may = !ctx.key || policies::key_allows_endpoint(*ctx.key, name);
  if (key_may && !ctx.endpoint->raw_proxy) {
    co_await send_error(
        call, Error::make(ErrorCode::kForbidden,
                          "Endpoint '" + name +
                              "' does not take the raw proxy: its configuration must say "
                              "raw_proxy: true (the client then picks the model and the path)."));
    co_return;
  }
  // The model the request is for: the path's when it names one (what the provider runs), else
  // the body's. Both naming different ones is refused: the gateway would check one and the
  // provider run the other.
  std::string_view body_model;
  if (const json::value* m = ctx.request.body.if_contains("model"); m != nullptr && m->is_string())
    body_model = m->get_string();
  const std::string_view in_path = path_model(match.native);
  if (!in_path.empty() && !body_model.empty() && in_path != body_model) {
    co_await send_error(
        call, Error::invalid("The path names the model '" + std::string(in_path) +
                                 "' and the body '" + std::string(body_model) + "'; name one.",
                             "model"));
    co_return;
  }
  const std::string_view named = in_path.empty() ? body_model : in_path;
  if (!plain_model_name(named)) {
    co_await send_error(call, Error::invalid("The model must be a plain name of at most 256 "
                                             "printable characters.",
                                             "model"));
    co_return;
  }
  ctx.passthrough = true;
  ctx.raw_proxy = true;
  ctx.proxied_model = named;
  ctx.request.operation = ctx.endpoint->operation;
  ctx.request.endpoint = name;
  // What the body asks for, for the budgets' estimate; the answer's media type decides later.
  const json::value* s = ctx.request.body.if_contains("stream");
  ctx.request.stream = s != nullptr && s->is_bool() && s->get_bool();
  const std::string_view dialect = ctx.endpoint->adapter->native_dialect();
  // (A key that may not use the endpoint goes straight to the chain's refusal.)
  if (key_may && dialect == "anthropic" && !http.header("anthropic-version").empty()) {
    if (auto bad = client_anthropic_version(http, ctx.request.anthropic_version)) {
      co_await send_error(call, *bad);
      co_return;
    }
  }
  auto chains = chains_for(ctx);
  Chain::Run run(chains->of(ctx.endpoint), ctx);
  call.answer.run = &run;
  const Step::Kind decided = co_await run.request();
  if (decided == Step::Kind::kAnswer) {
    ctx.error = Error::make(ErrorCode::kNotImplemented,
                            "A policy answered this request, but answers cannot be given on the "
                            "raw proxy; use the endpoint's invocation paths.");
  }
  if (decided == Step::Kind::kFail || ctx.error) {
    co_await send_error(call, *ctx.error);
    run.complete(Outcome{call.answer.status, call.answer.client_gone, &*ctx.error});
    co_return;
  }
  // (A key that may not use the endpoint was refused by the chain; raw_proxy: true was checked
  // for every other, and the loader allows it only where the adapter has a raw proxy.)
  std::string target(match.native);
  if (const std::string_view query = http.query(); !query.empty()) {
    target += '?';
    target += query;
  }
  // The JSON as read (numbers as written): what the gateway checked is what is sent, a
  // duplicated `model` included (the last one, for both).
  auto wire =
      ctx.endpoint->adapter->proxy_request(target, util::serialize_with(ctx.request.body, {}));
  if (wire && dialect == "anthropic") {
    if (!ctx.request.anthropic_version.empty())
      providers::use_client_anthropic_version(*wire, ctx.request.anthropic_version);
    // The endpoint's allow-list applies to the client's betas here too.
    if (const std::string beta = http.header_list("anthropic-beta"); !beta.empty()) {
      if (std::string kept = ctx.endpoint->adapter->anthropic_beta(beta, wire->dropped);
          !kept.empty())
        wire->headers.emplace_back("anthropic-beta", std::move(kept));
    }
  }
  std::optional<Error> failure;
  std::unique_ptr<upstream::Exchange> exchange;
  if (!wire) {
    failure = wire.error();
  } else {
    auto started = co_await router_.passthrough(ctx, *wire);
    if (started) {
      exchange = std::move(*started);
    } else {
      failure = started.error();
    }
  }
  if (failure) {
    co_await send_error(call, *failure);
    run.complete(Outcome{call.answer.status, call.answer.client_gone, &*failure});
    co_return;
  }
  std::string_view content_type;
  for (const auto& [k, v] : exchange->head().headers) {
    // The first, as relay_native passes it on.
    if (content_type.empty() && util::ascii_iequals(k, "content-type")) content_type = v;
  }
  const std::string_view type = util::media_type(content_type);
  ctx.request.stream = util::ascii_iequals(type, "text/event-stream") ||
                       util::ascii_iequals(type, "application/x-ndjson");
  call.answer.stream = ctx.request.stream;
  // An event stream is read along for its usage by the endpoint's own reader (OpenAI's
  // Responses API's events by theirs); what no reader reads is estimated from its bytes.
  std::unique_ptr<providers::StreamTranslator> reader;
  if (ctx.request.stream && util::ascii_iequals(type, "text/event-stream")) {
    const bool responses = dialect == "openai" &&
                           (match.native == "responses" || match.native.ends_with("/responses"));
    reader = responses ? providers::openai::make_responses_usage_reader()
                       : ctx.endpoint->adapter->open_stream(ctx.request);
  }
  co_await relay_native(call, run, *exchange, wire->dropped, reader.get(), nullptr, false);
}

}  // namespace sluice::pipeline
