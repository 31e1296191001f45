#include "policies/guardrails/external.hpp"

namespace sluice::policies::external {
namespace {

constexpr std::size_t kMaxAnswerBytes = 1024 * 1024;

}  // namespace

boost::asio::awaitable<Result<std::vector<Hit>>> check(upstream::Client& client,
                                                       const config::GuardrailSpec& guardrail,
                                                       std::string text) {
  const config::ExternalCheck& x = *guardrail.external;
  providers::Upstream upstream{x.url, nullptr};
  providers::UpstreamRequest request;
  request.target = x.target;
  request.headers = x.headers;
  request.headers.emplace_back("content-type", "application/json");
  request.headers.emplace_back("accept", "application/json");
  request.body = request_body(x, text);
  upstream::UpstreamTimeouts timeouts;
  timeouts.connect = timeouts.first_byte = timeouts.total = timeouts.stream_idle = x.timeout;
  const std::string who = "guardrail " + guardrail.name;
  auto exchange = co_await client.start(upstream, request, timeouts, who);
  if (!exchange) co_return exchange.error();
  const unsigned status = (*exchange)->head().status;
  auto body = co_await (*exchange)->read_all(kMaxAnswerBytes);
  if (!body) co_return body.error();
  if (status < 200 || status > 299)
    co_return Error::make(ErrorCode::kUpstreamUnavailable, "HTTP " + std::to_string(status));
  co_return read_answer(x, *body, text);
}

}  // namespace sluice::policies::external
