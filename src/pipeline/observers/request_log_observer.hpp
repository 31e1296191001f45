#pragma once
// The payload log as a request observer: a logged request's record (who, what, how it went, each
// attempt, the prompt as sent on and the answer as the client got it) handed to the writer
// (governance/request_log) when the request completes.

#include "governance/request_log.hpp"
#include "pipeline/observer.hpp"

namespace sluice::pipeline {

class RequestLogObserver : public RequestObserver {
 public:
  explicit RequestLogObserver(governance::RequestLog* log) : log_(log) {}
  void on_complete(const RequestContext& ctx, const HttpRequest& http,
                   const Answered& answered) override;

 private:
  governance::RequestLog* log_;  // null: payload logs are off
};

}  // namespace sluice::pipeline
