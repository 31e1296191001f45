// A policy's call to another endpoint of the same config (sub_request.hpp): a request of its own,
// through that endpoint's chain and the router, logged and counted like any other.
#include "model/stream_assembly.hpp"
#include "pipeline/handler/handler.hpp"
#include "policies/accounting/accounting.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;

asio::awaitable<Result<model::Response>> Handler::call(const RequestContext& parent,
                                                       model::Request& request) {
  RequestContext ctx;
  HttpRequest http;
  http.method = "POST";
  http.target = "/sub-request/" + request.endpoint;
  http.remote_address = parent.client_address;
  begin(ctx, http, parent.request_id + "/sub" + std::to_string(++sub_requests_));
  ctx.snapshot = parent.snapshot;  // the parent's config, whatever a reload did since
  ctx.key = parent.key;
  ctx.workspace = parent.workspace;
  ctx.presented_key = parent.presented_key;
  observers_.start(ctx, http);
  Answered answered;
  Result<model::Response> result = Error::make(ErrorCode::kInternal, "");
  if (!resolve(ctx, request.endpoint, /*any_workspace=*/true)) {
    Error e = Error::make(ErrorCode::kNotFound,
                          "The sub-request names '" + request.endpoint +
                              "', which is not an endpoint or route of this config.");
    result = e;
  } else if (ctx.endpoint->operation != request.operation) {
    result = Error::invalid("Endpoint '" + request.endpoint + "' is a " +
                            std::string(model::endpoint_type_name(ctx.endpoint->operation)) +
                            " endpoint.");
  } else if (ctx.plan_error) {
    result = *ctx.plan_error;
  } else {
    request.stream = false;
    const auto storage = ctx.request.body.storage();
    ctx.request.operation = request.operation;
    ctx.request.endpoint = request.endpoint;
    ctx.request.body = boost::json::object(std::move(request.body), storage);
    auto chains = chains_for(ctx);
    Chain::Run run(chains->of(ctx.endpoint), ctx);
    const Step::Kind decided = co_await run.request();
    if (decided == Step::Kind::kFail) {
      result = *ctx.error;
    } else if (decided == Step::Kind::kAnswer) {
      auto reply = run.take_reply();
      if (reply->response) {
        result = std::move(*reply->response);
      } else {
        result = model::assemble_response(reply->events, ctx.request.operation);
      }
    } else {
      result = co_await router_.call(ctx);
      if (result) {
        ctx.usage = result->usage;
        policies::price_request(ctx);
        if (!co_await run.answer(*result)) {
          result = *ctx.error;
        } else {
          run.usage();
        }
      }
    }
    answered.status = result ? 200 : http_status(result.error());
    if (!result) {
      answered.error = result.error().message;
      if (!ctx.error) ctx.error = result.error();
    }
    run.complete(Outcome{answered.status, false, ctx.error ? &*ctx.error : nullptr});
  }
  if (!result && answered.status == 0) {
    answered.status = http_status(result.error());
    answered.error = result.error().message;
  }
  observers_.complete(ctx, http, answered);
  if (!result) co_return result;
  // The answer was parsed into this sub-request's arena, which ends here: the caller gets a copy
  // on the default heap.
  model::Response detached{boost::json::object(result->body, boost::json::storage_ptr()),
                           result->usage, std::move(result->raw)};
  co_return Result<model::Response>(std::move(detached));
}

}  // namespace sluice::pipeline
