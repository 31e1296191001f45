// Relaying a provider's stream to the client: each batch of translated events passes the chain's
// stream hooks, then the client's stream writer; usage is made final before the client sees the
// end; a failure once content has gone out ends the stream with an error event.
#include "model/stream_assembly.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "pipeline/handler/stream_usage.hpp"
#include "util/redact.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;

asio::awaitable<void> Handler::stream(Call& call, Chain::Run& run) {
  RequestContext& ctx = call.ctx;
  Answer& answer = call.answer;
  answer.stream = true;
  // The router hands the stream over only once content has arrived, so a provider that fails
  // before that is retried or replaced, or its error goes out with its real status, not a 200.
  auto opened = co_await router_.open_stream(ctx);
  if (!opened) {
    co_await send_error(call, opened.error());
    co_return;
  }
  answer.status = 200;
  HeaderList headers = response_headers(ctx, &run, Body::kEventStream);
  if (!co_await call.out.start_stream(200, std::move(headers))) {
    answer.client_gone = true;
    router_.stream_finished(ctx, nullptr);
    co_return;
  }
  std::unique_ptr<api::StreamWriter> writer = call.api->api->stream_writer(ctx.request);
  std::vector<model::StreamEvent> events = std::move(opened->first_events);
  bool at_end = opened->ended;
  bool first = true;
  bool stopped = false;  // a policy ended the stream (its error event is sent)
  std::optional<Error> failure;
  // A Responses answer the gateway keeps: what the client was sent, to assemble at the end.
  std::vector<model::StreamEvent> sent;
  for (;;) {
    for (auto& event : events) {
      if (!event.usage.empty()) ctx.usage = event.usage;
      keep_streamed_text(ctx, event);
    }
    // At the provider's last word, the stream-end hooks may still append or stop.
    stopped = !run.stream_events(events) || (at_end && !failure && !run.stream_end(events));
    for (const auto& event : events) {  // the payload log keeps what the client is sent
      if (event.kind == model::StreamEvent::Kind::kChunk) log_answer_text(ctx, event.chunk);
    }
    std::string frames;
    for (auto& event : events) frames += writer->event(event);
    if (ctx.request.responses.stored) sent.insert(sent.end(), events.begin(), events.end());
    if (stopped) {
      ctx.request.responses.stored = false;  // a stopped answer is not kept
      answer.error = "stream stopped: " + run.stopped()->message;
      ctx.error = *run.stopped();
      frames += writer->error(*run.stopped());
    } else if (at_end && !failure) {
      // Usage is final before the client sees the end.
      complete_usage(ctx);
      run.usage();
      if (ctx.request.responses.stored) {
        // In the store before the client sees response.completed and can ask for it by id.
        model::Response whole = model::assemble_response(sent, ctx.request.operation);
        whole.usage = ctx.usage;
        std::string rendered = call.api->api->render_response(ctx.request, whole);
        co_await keep_response(call, whole, std::move(rendered));
      }
      frames += writer->end();
    }
    if (!frames.empty()) {
      if (first) {
        first = false;
        ctx.first_token_at = Clock::now();
        observers_.first_token(ctx);
      }
      if (!co_await call.out.send_chunk(std::move(frames))) {
        answer.client_gone = true;  // dropping the exchange closes the upstream connection
        break;
      }
    }
    if (failure && !stopped) break;  // its error event goes out below
    if (at_end || stopped) {
      answer.client_gone = !co_await call.out.end_stream();
      break;
    }
    events.clear();
    const auto t0 = Clock::now();
    auto piece = co_await opened->exchange->read_some();
    ctx.upstream_time += Clock::now() - t0;
    if (!piece) {
      failure = piece.error();
      continue;
    }
    at_end = piece->empty();
    auto fed =
        at_end ? opened->translator->finish(events) : opened->translator->feed(*piece, events);
    if (!fed) failure = fed.error();
  }
  if (failure && !stopped) {
    // Content has reached the client: end the stream with an error event, never a silent cut.
    failure->message = util::redact(failure->message, ctx.endpoint->adapter->secrets());
    answer.error = "stream failed: " + failure->message;
    ctx.error = *failure;
    if (!answer.client_gone) {
      ctx.request.responses.stored = false;  // a failed answer is not kept
      answer.client_gone = !co_await call.out.send_chunk(writer->error(*failure));
      if (!answer.client_gone) answer.client_gone = !co_await call.out.end_stream();
    }
  }
  if (ctx.usage.empty()) complete_usage(ctx);  // a stream cut short: what it sent
  observers_.stream_end(ctx);
  // A stop by a policy is not the destination's failure: its breaker does not count it.
  router_.stream_finished(ctx, failure ? &*failure : nullptr);
}

}  // namespace sluice::pipeline
