#include "routing/router.hpp"

#include "util/redact.hpp"

namespace sluice::routing {
namespace asio = boost::asio;
using pipeline::Clock;

namespace {

constexpr std::size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxErrorBytes = 1024 * 1024;

Error redacted(Error error, const providers::ProviderAdapter& adapter) {
  error.message = util::redact(error.message, adapter.secrets());
  if (error.provider.empty()) error.provider = adapter.provider();
  return error;
}

bool is_success(unsigned status) { return status >= 200 && status < 300; }

}  // namespace

asio::awaitable<Result<std::unique_ptr<upstream::Exchange>>> Router::start(
    pipeline::RequestContext& ctx) {
  const auto& endpoint = *ctx.endpoint;
  const auto& adapter = *endpoint.adapter;
  auto wire = adapter.translate_request(ctx.request);
  if (!wire) co_return redacted(wire.error(), adapter);
  ctx.upstream_called = true;
  const auto t0 = Clock::now();
  auto exchange =
      co_await client_.start(adapter.upstream(), *wire, endpoint.timeout, adapter.provider());
  if (!exchange) {
    ctx.upstream_time += Clock::now() - t0;
    co_return redacted(exchange.error(), adapter);
  }
  if (!is_success((*exchange)->head().status)) {
    auto body = co_await (*exchange)->read_all(kMaxErrorBytes);
    ctx.upstream_time += Clock::now() - t0;
    providers::UpstreamHead head = (*exchange)->head();
    co_return redacted(adapter.map_error(head, body ? *body : std::string()), adapter);
  }
  ctx.upstream_time += Clock::now() - t0;
  co_return std::move(*exchange);
}

asio::awaitable<Result<model::Response>> Router::call(pipeline::RequestContext& ctx) {
  auto exchange = co_await start(ctx);
  if (!exchange) co_return exchange.error();
  const auto t0 = Clock::now();
  auto body = co_await (*exchange)->read_all(kMaxResponseBytes);
  ctx.upstream_time += Clock::now() - t0;
  const auto& adapter = *ctx.endpoint->adapter;
  if (!body) co_return redacted(body.error(), adapter);
  auto response = adapter.translate_response(ctx.request, (*exchange)->head(), *body);
  if (!response) co_return redacted(response.error(), adapter);
  co_return std::move(*response);
}

asio::awaitable<Result<OpenStream>> Router::open_stream(pipeline::RequestContext& ctx) {
  auto exchange = co_await start(ctx);
  if (!exchange) co_return exchange.error();
  OpenStream stream;
  stream.translator = ctx.endpoint->adapter->open_stream(ctx.request);
  stream.exchange = std::move(*exchange);
  co_return stream;
}

}  // namespace sluice::routing
