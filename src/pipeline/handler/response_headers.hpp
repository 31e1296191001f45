#pragma once
// The head of every response sluice writes, built here only:
//   x-request-id                   always
//   x-sluice-overhead-ms           whole answers: the gateway's own time so far
//   x-sluice-destination           the endpoint that answered (or was to)
//   x-sluice-attempts              how many upstream attempts were made
//   x-sluice-prompt-version        the prompt template version used
//   x-sluice-dropped-params        parameters the provider adapter left out
//   x-ratelimit-*                  from the policies (policies/limits)
//   x-sluice-cost-usd              when governance.cost_header is on and the cost is known

#include "pipeline/chain.hpp"
#include "pipeline/http_exchange.hpp"
#include "pipeline/request_context.hpp"

namespace sluice::pipeline {

enum class Body { kJson, kEventStream };

// `run` is the request's chain once it has started (nullptr before: no policy headers).
HeaderList response_headers(const RequestContext& ctx, const Chain::Run* run, Body body);
// What the policies add, and the cost header.
void add_governance_headers(const RequestContext& ctx, const Chain::Run* run, HeaderList& h);
// On MLflow 3's /gateway/ paths, as its tracking server sends them (integer ms):
// X-MLflow-Gateway-Duration-Ms, the gateway's whole time so far (a stream: to its head), and
// X-MLflow-Gateway-Overhead-Duration-Ms, that less the provider's time, when a provider was called.
void add_mlflow_timing_headers(const RequestContext& ctx, HeaderList& h);
// x-sluice-cost-usd, when the request is priced and the config asks for the header.
void add_cost_header(const RequestContext& ctx, HeaderList& h);

}  // namespace sluice::pipeline
