#include "routing/router.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <ctime>

#include "providers/anthropic_fields.hpp"
#include "routing/backoff.hpp"
#include "routing/classify.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace sluice::routing {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxErrorBytes = 1024 * 1024;

Error redacted(Error error, const providers::ProviderAdapter& adapter) {
  error.message = util::redact(error.message, adapter.secrets());
  if (error.provider.empty()) error.provider = adapter.provider();
  return error;
}

bool is_success(unsigned status) { return status >= 200 && status < 300; }

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Whether a stream event has something for the client beyond the role announcement: text, a
// tool call, a finish reason, usage. Until one has come, the stream can still fall over unseen.
bool carries_content(const model::StreamEvent& event) {
  if (event.kind == model::StreamEvent::Kind::kUsage) return true;
  const auto* choices = event.chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return false;
  for (const auto& choice : choices->get_array()) {
    if (!choice.is_object()) continue;
    const auto& c = choice.get_object();
    if (const auto* f = c.if_contains("finish_reason"); f && !f->is_null()) return true;
    if (const auto* t = c.if_contains("text"); t && t->is_string() && !t->get_string().empty())
      return true;
    const auto* delta = c.if_contains("delta");
    if (delta == nullptr || !delta->is_object()) continue;
    for (const auto& kv : delta->get_object()) {
      if (kv.key() == "role" || kv.value().is_null()) continue;
      if (kv.value().is_string() && kv.value().get_string().empty()) continue;
      return true;
    }
  }
  return false;
}

const config::RetryPolicy& no_retry() {
  static const config::RetryPolicy policy = [] {
    config::RetryPolicy p;
    p.attempts = 0;
    return p;
  }();
  return policy;
}

// W3C Trace Context to the provider (§2): this attempt's span as the parent, the caller's
// tracestate passed on. A traceparent or tracestate the provider's request already had (a
// passthrough's own) is replaced: there is one trace per request.
void add_trace_headers(RouteCall& ctx, providers::Headers& headers) {
  if (!ctx.trace.on) return;
  ctx.attempt_span = observability::new_span_id();
  std::erase_if(headers, [](const auto& h) {
    return util::ascii_iequals(h.first, "traceparent") ||
           util::ascii_iequals(h.first, "tracestate");
  });
  headers.emplace_back("traceparent", observability::format_traceparent(
                                          ctx.trace.trace_id, ctx.attempt_span, ctx.trace.sampled));
  if (!ctx.trace.trace_state.empty()) headers.emplace_back("tracestate", ctx.trace.trace_state);
}

asio::awaitable<void> sleep_for(Clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

Router::Router(upstream::Client& client, Prepare prepare)
    : client_(client), prepare_(std::move(prepare)), rng_(std::random_device{}()) {}

asio::awaitable<Result<std::unique_ptr<upstream::Exchange>>> Router::start(
    RouteCall& ctx, const config::UpstreamTimeouts& timeouts) {
  const auto& adapter = *ctx.endpoint->adapter;
  if (auto refresh = adapter.credential_refresh(static_cast<long long>(std::time(nullptr)))) {
    // Expiring credentials (Vertex AI): fetch fresh ones first, within the same deadlines.
    ctx.upstream_called = true;
    auto exchange =
        co_await client_.start(refresh->upstream, refresh->request, timeouts, adapter.provider());
    if (!exchange) co_return redacted(exchange.error(), adapter);
    auto body = co_await (*exchange)->read_all(kMaxErrorBytes);
    if (!body) co_return redacted(body.error(), adapter);
    if (auto ok = refresh->accept((*exchange)->head(), *body); !ok)
      co_return redacted(ok.error(), adapter);
  }
  std::vector<std::string> dropped;
  // Without the Anthropic-only fields this provider cannot take (or nullopt: as it is).
  auto plain = providers::request_for(ctx.request, adapter, dropped);
  if (!plain) co_return plain.error();
  auto wire = adapter.translate_request(*plain ? **plain : ctx.request);
  if (!wire) co_return redacted(wire.error(), adapter);
  add_trace_headers(ctx, wire->headers);
  ctx.upstream_called = true;
  ctx.dropped_params = std::move(wire->dropped);
  ctx.dropped_params.insert(ctx.dropped_params.end(), dropped.begin(), dropped.end());
  auto exchange = co_await client_.start(adapter.upstream(), *wire, timeouts, adapter.provider());
  if (!exchange) co_return redacted(exchange.error(), adapter);
  const providers::UpstreamHead& head = (*exchange)->head();
  if (!is_success(head.status)) {
    auto body = co_await (*exchange)->read_all(kMaxErrorBytes);
    Error error = redacted(adapter.map_error(head, body ? *body : std::string()), adapter);
    if (auto wait =
            provider_retry_after(head.headers, static_cast<long long>(std::time(nullptr)))) {
      error.retry_after_ms = static_cast<unsigned>(std::min<long long>(wait->count(), 1LL << 31));
      if (!error.retry_after_s)
        error.retry_after_s = static_cast<unsigned>((*error.retry_after_ms + 999) / 1000);
    }
    co_return error;
  }
  co_return std::move(*exchange);
}

asio::awaitable<Result<model::Response>> Router::finish_call(
    RouteCall& ctx, const config::UpstreamTimeouts& timeouts, Clock::duration& first_byte) {
  const auto t0 = Clock::now();
  auto exchange = co_await start(ctx, timeouts);
  if (!exchange) co_return exchange.error();
  first_byte = Clock::now() - t0;
  auto body = co_await (*exchange)->read_all(ctx.snapshot->server.upstream_max_body_bytes);
  const auto& adapter = *ctx.endpoint->adapter;
  if (!body) co_return redacted(body.error(), adapter);
  auto response = adapter.translate_response(ctx.request, (*exchange)->head(), *body);
  if (!response) co_return redacted(response.error(), adapter);
  co_return std::move(*response);
}

asio::awaitable<Result<OpenStream>> Router::warm_up(RouteCall& ctx,
                                                    const config::UpstreamTimeouts& timeouts,
                                                    Clock::duration& first_byte) {
  const auto t0 = Clock::now();
  auto exchange = co_await start(ctx, timeouts);
  if (!exchange) co_return exchange.error();
  const auto& adapter = *ctx.endpoint->adapter;
  OpenStream stream;
  stream.translator = adapter.open_stream(ctx.request);
  stream.exchange = std::move(*exchange);
  // The client's response head waits for real content, but not longer than the first-byte
  // timeout: a provider that answers 200 and then stalls is a failure we can still hide.
  stream.exchange->set_read_deadline(t0 + timeouts.first_byte);
  // What is held before the first content is bounded: a provider that streams events without
  // content would otherwise grow this request without limit.
  const std::uint64_t warm_up_limit = ctx.snapshot->server.upstream_max_event_bytes;
  std::uint64_t warm_up_bytes = 0;
  for (;;) {
    auto piece = co_await stream.exchange->read_some();
    if (!piece) co_return redacted(piece.error(), adapter);
    warm_up_bytes += piece->size();
    if (warm_up_bytes > warm_up_limit) {
      Error e = Error::make(ErrorCode::kUpstreamUnavailable,
                            "provider sent more than server.upstream_max_event_bytes (" +
                                std::to_string(warm_up_limit) + ") before any content");
      e.provider = ctx.endpoint->provider;
      co_return e;
    }
    const bool at_end = piece->empty();
    const std::size_t before = stream.first_events.size();
    auto fed = at_end ? stream.translator->finish(stream.first_events)
                      : stream.translator->feed(*piece, stream.first_events);
    if (!fed) co_return redacted(fed.error(), adapter);
    bool content = at_end;
    for (std::size_t i = before; i < stream.first_events.size() && !content; ++i)
      content = carries_content(stream.first_events[i]);
    if (content) {
      stream.ended = at_end;
      stream.exchange->set_read_deadline(Clock::time_point::max());
      first_byte = Clock::now() - t0;
      co_return stream;
    }
  }
}

template <bool kStream>
asio::awaitable<Result<Router::Answer<kStream>>> Router::attempt(
    RouteCall& ctx, const config::UpstreamTimeouts& timeouts, Clock::duration& first_byte) {
  if constexpr (kStream) {
    co_return co_await warm_up(ctx, timeouts, first_byte);
  } else {
    co_return co_await finish_call(ctx, timeouts, first_byte);
  }
}

template <bool kStream>
asio::awaitable<Result<Router::Answer<kStream>>> Router::run_chain(RouteCall& ctx) {
  const config::Route* route = ctx.route;
  const config::RetryPolicy& retry = route ? route->retry : no_retry();
  const config::BreakerPolicy* breaker = route ? &route->breaker : nullptr;
  const std::size_t targets = route ? ctx.plan.size() : 1;
  const config::UpstreamTimeouts& chain_timeouts =
      route && route->timeout ? *route->timeout : ctx.endpoint->timeout;
  const auto deadline = Clock::now() + chain_timeouts.total;
  // The destination ctx.request is currently prepared for (the first of the plan).
  const config::RouteTarget* prepared = route ? &route->destinations[ctx.plan[0]] : nullptr;
  std::optional<Error> last;

  for (std::size_t pi = 0; pi < targets; ++pi) {
    const config::RouteTarget* target = route ? &route->destinations[ctx.plan[pi]] : nullptr;
    const config::Endpoint& endpoint =
        target ? ctx.snapshot->endpoints[target->endpoint] : *ctx.endpoint;
    TargetHealth* health = endpoint.health;
    bool next_destination = false;
    for (unsigned tr = 0; !next_destination; ++tr) {
      auto now = Clock::now();
      if (breaker && health && !health->breaker.try_acquire(*breaker, now)) break;
      if (now >= deadline) {
        Error e = Error::make(ErrorCode::kUpstreamTimeout,
                              "No answer within the total timeout of " +
                                  std::to_string(chain_timeouts.total.count()) + " ms after " +
                                  std::to_string(ctx.attempts.size()) + " attempt(s)" +
                                  (last ? "; last failure: " + last->message : std::string()));
        if (last) e.provider = last->provider;
        co_return e;
      }
      if (ctx.endpoint != &endpoint) {
        ctx.endpoint = &endpoint;
        if (route->reprepare && (prepared->endpoint != target->endpoint ||
                                 prepared->prompt_version != target->prompt_version)) {
          ctx.prompt_version = target->prompt_version;
          if (ctx.pristine_body) {
            ctx.request.body = json::object(*ctx.pristine_body, ctx.request.body.storage());
          }
          prepared = target;
          if (auto e = prepare_(ctx)) {  // this destination cannot take the request as it is
            if (!last) last = std::move(*e);
            break;
          }
        }
      }
      config::UpstreamTimeouts timeouts =
          route && route->timeout ? *route->timeout : endpoint.timeout;
      timeouts.total = std::min(timeouts.total, std::chrono::ceil<config::Millis>(deadline - now));

      InFlight busy(health);
      Clock::duration first_byte{};
      ctx.attempt_span = {};  // set when its traceparent is sent; zero: it never got that far
      auto result = co_await attempt<kStream>(ctx, timeouts, first_byte);
      const auto spent = Clock::now() - now;
      ctx.upstream_time += spent;
      AttemptRecord record{&endpoint,       0, millis(spent), AttemptOutcome::kSuccess, now,
                           ctx.attempt_span};
      if (result) {
        record.status = 200;
        ctx.record_attempt(record);
        if (health) {
          // A stream is counted when it ends (stream_finished): it may still fail.
          if (!kStream) health->count(AttemptOutcome::kSuccess);
          health->observe_first_byte(first_byte);
          if (breaker) health->breaker.record_success(*breaker, Clock::now());
        }
        if constexpr (kStream) result->in_flight = std::move(busy);
        co_return result;
      }
      Error error = std::move(result.error());
      record.status = error.upstream_status.value_or(0);
      record.outcome = outcome_of(error);
      ctx.record_attempt(record);
      if (health) health->count(record.outcome);
      const bool retryable = retry.retryable(error);
      if (retryable && breaker && health) health->breaker.record_failure(*breaker, Clock::now());

      if (route && is_context_length_error(error)) {
        // Only a destination with a larger context window can take this prompt.
        std::size_t next = pi + 1;
        while (next < targets && !route->destinations[ctx.plan[next]].larger_context) ++next;
        if (next == targets) co_return error;
        pi = next - 1;
        last = std::move(error);
        break;
      }
      if (!retryable) co_return error;  // the request itself is at fault: no retry, no fallback
      const auto asked = error.retry_after_ms;
      last = std::move(error);
      if (tr >= retry.attempts) break;
      Clock::duration delay = asked ? Clock::duration(std::chrono::milliseconds(*asked))
                                    : Clock::duration(backoff_delay(retry, tr, rng_));
      // A provider asking for a longer pause than the policy allows is not waited for: the next
      // destination is tried, or the client gets the provider's answer and its Retry-After.
      if (asked && delay > retry.max_backoff) break;
      if (Clock::now() + delay >= deadline) break;
      co_await sleep_for(delay);
      ctx.upstream_time += delay;
    }
  }
  if (last) co_return *last;
  // Every destination was refused by its breaker at the moment of trying.
  Error e = Error::make(ErrorCode::kServiceUnavailable,
                        "Every destination of '" + (route ? route->name : ctx.endpoint->name) +
                            "' is failing and has been taken out of rotation (circuit breaker "
                            "open); try again shortly.");
  e.error_code = "circuit_open";
  e.retry_after_s = 1;
  co_return e;
}

asio::awaitable<Result<std::unique_ptr<upstream::Exchange>>> Router::passthrough(
    RouteCall& ctx, const providers::UpstreamRequest& wire) {
  const config::Endpoint& endpoint = *ctx.endpoint;
  const auto& adapter = *endpoint.adapter;
  ctx.upstream_called = true;
  const auto t0 = Clock::now();
  std::optional<providers::UpstreamRequest> traced;
  if (ctx.trace.on) {
    traced = wire;
    add_trace_headers(ctx, traced->headers);
  }
  auto exchange = co_await client_.start(adapter.upstream(), traced ? *traced : wire,
                                         endpoint.timeout, adapter.provider());
  const auto spent = Clock::now() - t0;
  ctx.upstream_time += spent;
  AttemptRecord record{&endpoint, 0, millis(spent), AttemptOutcome::kSuccess, t0, ctx.attempt_span};
  if (!exchange) {
    record.outcome = outcome_of(exchange.error());
    ctx.record_attempt(record);
    if (endpoint.health) endpoint.health->count(record.outcome);
    co_return redacted(exchange.error(), adapter);
  }
  record.status = (*exchange)->head().status;
  if (!is_success(record.status)) {
    Error as_error;
    as_error.code =
        record.status >= 500 ? ErrorCode::kUpstreamServerError : ErrorCode::kUpstreamClientError;
    as_error.upstream_status = record.status;
    record.outcome = outcome_of(as_error);
  }
  ctx.record_attempt(record);
  if (endpoint.health) endpoint.health->count(record.outcome);
  co_return std::move(*exchange);
}

asio::awaitable<Result<model::Response>> Router::call(RouteCall& ctx) {
  co_return co_await run_chain<false>(ctx);
}

asio::awaitable<Result<OpenStream>> Router::open_stream(RouteCall& ctx) {
  co_return co_await run_chain<true>(ctx);
}

void Router::stream_finished(RouteCall& ctx, const Error* failure) {
  if (ctx.attempts.empty()) return;
  AttemptRecord& last = ctx.attempts.back();
  TargetHealth* health = last.endpoint != nullptr ? last.endpoint->health : nullptr;
  if (failure == nullptr) {
    if (health) health->count(AttemptOutcome::kSuccess);
    return;
  }
  last.outcome = AttemptOutcome::kStreamError;
  if (health == nullptr) return;
  health->count(AttemptOutcome::kStreamError);
  if (ctx.route && ctx.route->retry.retryable(*failure))
    health->breaker.record_failure(ctx.route->breaker, Clock::now());
}

}  // namespace sluice::routing
