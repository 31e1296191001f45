#pragma once
// Sends an internal request to its endpoint's provider and brings back the translated answer.
// Today an endpoint has one target and one attempt; traffic split, fallback and retries extend
// this class (routing issue) without changing its callers.

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "pipeline/request_context.hpp"
#include "providers/provider.hpp"
#include "upstream/client.hpp"

namespace sluice::routing {

// An upstream stream that answered 2xx, ready to be read and translated event by event.
struct OpenStream {
  std::unique_ptr<upstream::Exchange> exchange;
  std::unique_ptr<providers::StreamTranslator> translator;
};

class Router {
 public:
  explicit Router(upstream::Client& client) : client_(client) {}

  // Non-streamed call; adds the time spent on the provider to ctx.upstream_time.
  boost::asio::awaitable<Result<model::Response>> call(pipeline::RequestContext& ctx);
  // Streamed call up to the response head. A non-2xx answer comes back as an Error, before the
  // client has been sent anything, so it keeps its real status.
  boost::asio::awaitable<Result<OpenStream>> open_stream(pipeline::RequestContext& ctx);

 private:
  boost::asio::awaitable<Result<std::unique_ptr<upstream::Exchange>>> start(
      pipeline::RequestContext& ctx);

  upstream::Client& client_;
};

}  // namespace sluice::routing
