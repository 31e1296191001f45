#pragma once
// The access log as a request observer: one line per completed request (observability/access_log).

#include "observability/access_log.hpp"
#include "pipeline/observer.hpp"

namespace sluice::pipeline {

class AccessLogObserver : public RequestObserver {
 public:
  explicit AccessLogObserver(observability::AccessLog& log) : log_(log) {}
  void on_complete(const RequestContext& ctx, const HttpRequest& http,
                   const Answered& answered) override;

 private:
  observability::AccessLog& log_;
};

}  // namespace sluice::pipeline
