// POST /gateway/{openai,anthropic,gemini}/…: the client's provider-native request relayed to
// the endpoint its body (or path) names, with the endpoint's chain, logging and accounting. The
// provider's bytes go back as they came unless a policy rewrites the answer or stream; the raw
// proxy (raw_proxy.cpp) relays its answers the same way (relay_native).
#include <boost/json.hpp>

#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "pipeline/handler/stream_usage.hpp"
#include "policies/accounting/accounting.hpp"
#include "providers/anthropic_fields.hpp"
#include "providers/openai/adapter.hpp"
#include "util/json_numbers.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<bool> Handler::read_native_body(Call& call) {
  const HttpRequest& http = call.http;
  RequestContext& ctx = call.ctx;
  if (!util::is_json_media_type(http.header("content-type"))) {
    co_await send_error(call,
                        Error::make(ErrorCode::kUnsupportedMediaType, "Send application/json."));
    co_return false;
  }
  boost::system::error_code ec;
  json::value parsed = util::parse_json_keeping_numbers(http.body, ec, ctx.request.body.storage());
  if (ec || !parsed.is_object()) {
    // Named first: GCC 12 destroys a temporary made in a ?: under co_await twice (a double free
    // found by a hostile probe).
    const Error bad =
        Error::invalid(util::too_deep(ec) ? std::string(util::kTooDeepMessage)
                                          : "The request body must be a JSON object.");
    co_await send_error(call, bad);
    co_return false;
  }
  ctx.request.body = std::move(parsed.get_object());
  co_return true;
}

asio::awaitable<void> Handler::passthrough(Call& call) {
  const PathMatch& match = call.match;
  const HttpRequest& http = call.http;
  RequestContext& ctx = call.ctx;
  Answer& answer = call.answer;
  // The family's own shapes can carry what a policy rewrites or answers (OpenAI's and
  // Anthropic's chat); on the others (Gemini, Responses) a policy's verdicts are limited to
  // pass and fail, and the provider's bytes go out as they came.
  const api::InboundApi* renderer =
      match.native != "/responses" && *match.operation == model::Operation::kChat ? call.api->api
                                                                                  : nullptr;
  if (!co_await read_native_body(call)) co_return;
  std::string name(match.name);
  if (match.api != "gemini") {
    const json::value* m = ctx.request.body.if_contains("model");
    if (m == nullptr || !m->is_string()) {
      co_await send_error(call,
                          Error::invalid("'model' is required: it names the endpoint.", "model"));
      co_return;
    }
    name = m->get_string();
  }
  ctx.endpoint = ctx.snapshot->find(name);
  if (ctx.endpoint != nullptr && !visible(ctx, ctx.endpoint->workspace)) ctx.endpoint = nullptr;
  if (ctx.endpoint == nullptr) {
    Error e = Error::make(ErrorCode::kNotFound,
                          "The model '" + name + "' is not an endpoint of this gateway.");
    e.param = "model";
    co_await send_error(call, e);
    co_return;
  }
  const std::string_view dialect = ctx.endpoint->adapter->native_dialect();
  // /v1/responses sent on natively (invoke.cpp) is OpenAI's own API.
  const std::string_view family = match.api == "responses" ? "openai" : match.api;
  if (dialect != family || ctx.endpoint->operation != *match.operation) {
    std::string message = "Endpoint '" + name + "' is a " +
                          std::string(model::endpoint_type_name(ctx.endpoint->operation)) +
                          " endpoint of provider '" +
                          std::string(ctx.endpoint->adapter->provider()) + "'; ";
    message += dialect.empty()
                   ? std::string("it has no native passthrough.")
                   : "its passthrough path is under /gateway/" + std::string(dialect) + "/.";
    co_await send_error(call, Error::invalid(std::move(message), "model"));
    co_return;
  }
  ctx.passthrough = true;
  ctx.request.operation = *match.operation;
  ctx.request.endpoint = name;
  const bool responses = match.native == "/responses";  // OpenAI's Responses API, which keeps state
  if (responses) {
    // (Nested: GCC 12 mishandles co_await in a short-circuit operand.)
    if (!co_await check_native_previous(call)) co_return;
  }
  // The client's anthropic-version, checked before any policy counts the request.
  if (match.api == "anthropic") {
    if (auto bad = client_anthropic_version(http, ctx.request.anthropic_version)) {
      co_await send_error(call, *bad);
      co_return;
    }
  }
  const json::value* s = ctx.request.body.if_contains("stream");
  ctx.request.stream = match.api == "gemini" ? match.native == ":streamGenerateContent"
                                             : (s != nullptr && s->is_bool() && s->get_bool());
  answer.stream = ctx.request.stream;

  if (const auto* u = ctx.request.body.if_contains("stream_options"); u && u->is_object()) {
    const auto* include = u->get_object().if_contains("include_usage");
    ctx.request.include_usage = include != nullptr && include->is_bool() && include->get_bool();
  }
  auto chains = chains_for(ctx);
  Chain::Run run(chains->of(ctx.endpoint), ctx);
  answer.run = &run;
  const Step::Kind decided = co_await run.request();
  if (decided == Step::Kind::kAnswer && renderer == nullptr) {
    ctx.error = Error::make(ErrorCode::kNotImplemented,
                            "A policy answered this request, but answers cannot be given on "
                            "this path; use /v1/chat/completions or /v1/messages.");
  }
  if (decided == Step::Kind::kFail || ctx.error) {
    co_await send_error(call, *ctx.error);
    run.complete(Outcome{answer.status, answer.client_gone, &*ctx.error});
    co_return;
  }
  if (decided == Step::Kind::kAnswer) {
    // Named first: GCC 12 may destroy a temporary of a co_await expression twice.
    std::unique_ptr<Reply> reply = run.take_reply();
    co_await send_reply(call, *reply);
    run.complete(Outcome{answer.status, answer.client_gone, nullptr});
    co_return;
  }
  auto wire = ctx.endpoint->adapter->passthrough_request(match.native, ctx.request.body,
                                                         ctx.request.stream);
  if (const std::string beta = http.header_list("anthropic-beta"); wire && !beta.empty()) {
    // (see model::Request::anthropic_beta); the endpoint's allow-list applies here too.
    if (std::string kept = ctx.endpoint->adapter->anthropic_beta(beta, wire->dropped);
        !kept.empty())
      wire->headers.emplace_back("anthropic-beta", std::move(kept));
  }
  if (wire && match.api == "anthropic")
    providers::use_client_anthropic_version(*wire, ctx.request.anthropic_version);
  std::optional<Error> failure;
  if (!wire) failure = wire.error();
  std::unique_ptr<upstream::Exchange> exchange;
  if (!failure) {
    auto started = co_await router_.passthrough(ctx, *wire);
    if (started) {
      exchange = std::move(*started);
    } else {
      failure = started.error();
    }
  }
  if (failure) {
    co_await send_error(call, *failure);
    run.complete(Outcome{answer.status, answer.client_gone, &*failure});
    co_return;
  }
  // A stream is read along for its usage; a Responses stream by its own reader (its events are
  // not chat chunks).
  std::unique_ptr<providers::StreamTranslator> reader;
  if (ctx.request.stream) {
    reader = responses ? providers::openai::make_responses_usage_reader()
                       : ctx.endpoint->adapter->open_stream(ctx.request);
  }
  co_await relay_native(call, run, *exchange, wire->dropped, reader.get(), renderer, responses);
}

asio::awaitable<void> Handler::relay_native(Call& call, Chain::Run& run,
                                            upstream::Exchange& exchange,
                                            const std::vector<std::string>& dropped,
                                            providers::StreamTranslator* reader,
                                            const api::InboundApi* renderer, bool responses) {
  RequestContext& ctx = call.ctx;
  Responder& out = call.out;
  Answer& answer = call.answer;
  const api::ErrorRenderer& errors = call.api->errors;
  const unsigned status = exchange.head().status;
  HeaderList headers{{"x-request-id", ctx.request_id},
                     {"x-sluice-destination", ctx.endpoint->name},
                     {"x-sluice-attempts", std::to_string(ctx.attempts.size())}};
  if (!dropped.empty()) {
    // What the endpoint's config kept from the provider (anthropic-beta values it does not allow).
    std::string list;
    for (const auto& d : dropped) list += (list.empty() ? "" : ", ") + d;
    headers.emplace_back("x-sluice-dropped-params", std::move(list));
  }
  HeaderList governance_headers;
  add_governance_headers(ctx, &run, governance_headers);
  bool ours = false;  // the gateway's own x-ratelimit-* replace the provider's
  for (const auto& [k, v] : governance_headers) ours = ours || k.starts_with("x-ratelimit-");
  const bool ok = status >= 200 && status < 300;
  // A policy that rewrites the stream or the answer needs it in the family's own shape again.
  const bool rewrite_stream =
      ok && ctx.request.stream && renderer != nullptr && run.watches_stream();
  bool typed = false;  // one Content-Type goes out, the provider's first (it may send two)
  for (const auto& [k, v] : exchange.head().headers) {
    std::string lower(k);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-type" && (rewrite_stream || typed)) continue;
    if (lower == "content-type") typed = true;
    const bool ratelimit = lower.starts_with("x-ratelimit-");
    if ((ratelimit && !ours) || lower == "content-type" || lower == "retry-after" ||
        lower.starts_with("anthropic-ratelimit-")) {
      // A provider that echoes the key in a header (a Content-Type parameter) must not hand it
      // out either.
      headers.emplace_back(k, util::redact(v, ctx.endpoint->adapter->secrets()));
    }
  }
  for (auto& h : governance_headers) headers.push_back(std::move(h));
  add_mlflow_timing_headers(ctx, headers);
  if (rewrite_stream) {
    headers.emplace_back("Content-Type", "text/event-stream");
    headers.emplace_back("Cache-Control", "no-cache");
  }
  if (ctx.request.stream && ok) {
    // Relayed byte for byte; the provider's own stream translator reads along for the usage and
    // the policies' stream hooks. When a policy may rewrite events, they are rendered again in
    // the family's shape instead.
    std::unique_ptr<api::StreamWriter> writer =
        rewrite_stream ? renderer->stream_writer(ctx.request) : nullptr;
    // A provider that echoes the key it was given must not hand it to the client.
    util::StreamRedactor redactor(ctx.endpoint->adapter->secrets());
    std::vector<model::StreamEvent> events;
    bool readable = reader != nullptr;  // (none: the answer's usage cannot be read)
    answer.status = status;
    if (!co_await out.start_stream(status, std::move(headers))) {
      answer.client_gone = true;
    } else {
      for (;;) {
        const auto t0 = Clock::now();
        auto piece = co_await exchange.read_some();
        ctx.upstream_time += Clock::now() - t0;
        if (!piece) {
          answer.error = "stream failed: " + piece.error().message;
          // The client sees the provider's stream end early, as the provider sent it: no final
          // chunk, the connection closed, never a whole-looking answer.
          out.abort();
          break;
        }
        const bool at_end = piece->empty();
        events.clear();
        std::optional<Error> unreadable;  // the translator gave up on the provider's stream
        if (readable) {
          auto fed = at_end ? reader->finish(events) : reader->feed(*piece, events);
          if (!fed) {
            readable = false;
            unreadable = fed.error();
          }
        }
        // What no reader reads is still counted: estimated from the bytes themselves.
        if (!readable) keep_streamed_bytes(ctx, *piece);
        std::string kept_id;  // a Response's id, recorded before the client sees its end
        for (const auto& e : events) {
          if (!e.usage.empty()) ctx.usage = e.usage;
          keep_streamed_text(ctx, e);  // for an estimate, if the provider reports no usage
          if (const json::value* id = responses ? e.chunk.if_contains("id") : nullptr;
              id != nullptr && id->is_string())
            kept_id = id->get_string();
        }
        if (!kept_id.empty()) co_await keep_native_response(call, std::move(kept_id));
        bool going = run.stream_events(events);
        if (going && at_end) going = run.stream_end(events);
        std::string frames;
        bool cut = false;  // the re-rendered stream cannot go on: it ends with an error event
        if (writer) {
          // Rendered again from the events; the redactor still sees everything sent.
          std::string rendered;
          for (auto& e : events) rendered += writer->event(e);
          if (going && unreadable) {
            unreadable->message =
                util::redact(unreadable->message, ctx.endpoint->adapter->secrets());
            answer.error = "stream failed: " + unreadable->message;
            rendered += writer->error(*unreadable);
            cut = true;
          } else if (going && at_end) {
            rendered += writer->end();
          }
          frames = redactor.feed(rendered);
          if (at_end || cut || !going) frames += redactor.finish();
        } else if (going) {
          frames = at_end ? redactor.finish() : redactor.feed(*piece);
        }
        if (!going) {
          // A policy stopped the stream: its error ends it in the client's shape.
          answer.error = "stream stopped: " + run.stopped()->message;
          frames +=
              writer ? writer->error(*run.stopped()) : errors.render_stream_error(*run.stopped());
        }
        if (!frames.empty()) {
          // (Nested: GCC 12 mishandles co_await in a short-circuit operand.)
          if (!co_await out.send_chunk(std::move(frames))) {
            answer.client_gone = true;
            break;
          }
        }
        if (at_end || !going || cut) {
          answer.client_gone = !co_await out.end_stream();
          break;
        }
      }
    }
  } else {
    auto body = co_await exchange.read_all(ctx.snapshot->server.upstream_max_body_bytes);
    if (!body) {
      const Error read_error = body.error();
      co_await send_error(call, read_error);
      run.complete(Outcome{answer.status, answer.client_gone, &read_error});
      co_return;
    }
    std::string sent = std::move(*body);
    if (ok) {
      ctx.usage = ctx.endpoint->adapter->passthrough_usage(sent);
      // Never free: counts the provider left out are the tokenizer's, over its whole answer.
      complete_usage(ctx, sent);
      // Priced now, so that the answer says its cost as the other paths' answers do.
      policies::price_request(ctx);
      if (ctx.cost_usd) add_cost_header(ctx, headers);
      if (run.watches_answers() && renderer != nullptr) {
        // The answer hooks see the answer in the internal shape; untouched, the provider's bytes
        // go out as they came.
        auto translated =
            ctx.endpoint->adapter->translate_response(ctx.request, exchange.head(), sent);
        if (!translated) {
          // The policies cannot check what they cannot read: the answer is not passed on
          // unchecked.
          Error e = Error::make(
              ErrorCode::kUpstreamUnavailable,
              "The provider's answer could not be read for the gateway's "
              "checks: " +
                  util::redact(translated.error().message, ctx.endpoint->adapter->secrets()));
          co_await send_error(call, e);
          run.complete(Outcome{answer.status, answer.client_gone, &e});
          co_return;
        }
        {
          translated->raw = sent;
          if (!co_await run.answer(*translated)) {
            co_await send_error(call, *ctx.error);
            run.complete(Outcome{answer.status, answer.client_gone, &*ctx.error});
            co_return;
          }
          if (translated->raw.empty()) sent = renderer->render_response(ctx.request, *translated);
        }
      }
      run.usage();
    }
    if (ok && responses && ctx.snapshot->governance.store.responses_ttl_s > 0) {
      // Recorded before the client has the id (see check_native_previous).
      std::string kept_id;
      boost::system::error_code id_ec;
      json::value whole = util::parse_json(sent, id_ec);
      const json::value* id =
          !id_ec && whole.is_object() ? whole.get_object().if_contains("id") : nullptr;
      if (id != nullptr && id->is_string()) kept_id = id->get_string();
      if (!kept_id.empty()) co_await keep_native_response(call, std::move(kept_id));
    }
    if (!ok) answer.error = "provider answered HTTP " + std::to_string(status);
    answer.status = status;
    answer.client_gone = !co_await out.send(
        status, std::move(headers), util::redact_exact(sent, ctx.endpoint->adapter->secrets()));
  }
  // A stream the provider reported no usage for (an OpenAI-shaped one without include_usage) is
  // counted by the tokenizer, as on the translated paths: never free.
  if (ctx.request.stream && answer.status >= 200 && answer.status < 300) complete_usage(ctx);
  policies::price_request(ctx);  // a stream's usage is known only now (a no-op when priced)
  run.complete(Outcome{answer.status, answer.client_gone, nullptr});
}

}  // namespace sluice::pipeline
