#pragma once
// The Prometheus metrics as a request observer: per-endpoint status counts, latency, upstream
// latency and tokens when a request completes (observability/metrics).

#include "pipeline/observer.hpp"

namespace sluice::pipeline {

class MetricsObserver : public RequestObserver {
 public:
  void on_complete(const RequestContext& ctx, const HttpRequest& http,
                   const Answered& answered) override;
};

}  // namespace sluice::pipeline
