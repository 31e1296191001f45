#pragma once
// Lets a policy call another endpoint of the same config (a semantic cache embedding the prompt,
// a guardrail asking a moderation endpoint) as a request of its own: through that endpoint's
// chain (the caller's key, its limits, budgets and accounting) and the router, logged like any
// request. Implemented by the request handler; one per worker thread, used on that thread only.

#include <boost/asio/awaitable.hpp>

#include "model/error.hpp"
#include "model/request.hpp"
#include "model/response.hpp"

namespace sluice::pipeline {

struct RequestContext;

class SubRequests {
 public:
  virtual ~SubRequests() = default;
  // `request.endpoint` names the endpoint or route (in parent's snapshot); `request.operation`
  // must be its type; its body is taken (moved from). Not streamed. The sub-request carries
  // parent's key; its request id is parent's with "/sub<n>" appended. Both arguments must
  // outlive the call (pass named objects: GCC 12 may destroy a temporary in a co_await
  // expression twice).
  virtual boost::asio::awaitable<Result<model::Response>> call(const RequestContext& parent,
                                                               model::Request& request) = 0;
};

}  // namespace sluice::pipeline
