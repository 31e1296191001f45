#pragma once
// MLflow's per-endpoint `limit: {renewal_period, calls}`, counted per (client address, endpoint)
// as MLflow does, with two deliberate fixes: the count is exact across all worker threads (MLflow
// counts per worker process), and it applies on every path that reaches the endpoint, /v1/*
// included (MLflow leaves those unlimited). Exceeded → 429 with Retry-After.

#include <chrono>
#include <optional>

#include "pipeline/policy.hpp"
#include "stores/counter_store.hpp"

namespace sluice::pipeline {

// Seconds in one `renewal_period` (the `limits` library's: a month is 30 days, a year 12 months).
std::optional<std::chrono::seconds> renewal_period_length(std::string_view period);

class RateLimitPolicy : public Policy {
 public:
  explicit RateLimitPolicy(stores::CounterStore& store) : store_(store) {}
  std::string_view name() const override { return "rate_limit"; }
  bool applies(const RequestContext& ctx) const override {
    return ctx.endpoint != nullptr && ctx.endpoint->limit.has_value();
  }
  boost::asio::awaitable<Verdict> on_request(RequestContext& ctx) const override;

 private:
  stores::CounterStore& store_;
};

}  // namespace sluice::pipeline
