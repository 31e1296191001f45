#pragma once
// MLflow's per-endpoint `limit: {renewal_period, calls}`, counted per (client address, endpoint)
// as MLflow does, with two deliberate fixes: the count is exact across all worker threads (MLflow
// counts per worker process), and it applies on every path that reaches the endpoint, /v1/*
// included (MLflow leaves those unlimited). Exceeded → 429 with Retry-After.

#include <chrono>
#include <optional>

#include "pipeline/policy.hpp"
#include "stores/counter_store.hpp"

namespace sluice::policies {

// Seconds in one `renewal_period` (the `limits` library's: a month is 30 days, a year 12 months).
std::optional<std::chrono::seconds> renewal_period_length(std::string_view period);

class MlflowLimitPolicy : public pipeline::Policy {
 public:
  explicit MlflowLimitPolicy(stores::CounterStore& store) : store_(store) {}
  std::string_view name() const override { return "limit"; }
  unsigned hooks() const override { return kRequest; }
  // Skips an endpoint without a limit; otherwise waits for the counter store.
  pipeline::Step on_request(pipeline::RequestContext& ctx, void* state) const override;
  boost::asio::awaitable<pipeline::Step> on_request_async(pipeline::RequestContext& ctx,
                                                          void* state) const override;

 private:
  stores::CounterStore& store_;
};

}  // namespace sluice::policies
