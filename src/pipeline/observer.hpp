#pragma once
// Request observers: told about each request as it happens — its start, every upstream attempt
// (retries and fallbacks each), the first streamed content, the stream's end, and its completion.
// The access log and the metrics are two (pipeline/observers/); tracing is the next. Observers
// only read: they cannot change the request or its answer (that is what policies are for).
// Called on the request's own thread; completion exactly once per request, including requests
// the server could not read and requests that failed inside the gateway.

#include <string>
#include <vector>

#include "pipeline/http_exchange.hpp"
#include "pipeline/request_context.hpp"

namespace sluice::pipeline {

// What was sent back.
struct Answered {
  unsigned status = 0;  // 0: nothing was sent (the client left first)
  bool stream = false;
  bool client_gone = false;
  std::string error;  // redacted message, when the request failed
};

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_start(const RequestContext& /*ctx*/, const HttpRequest& /*http*/) {}
  virtual void on_attempt(const RequestContext& /*ctx*/, const AttemptRecord& /*attempt*/) {}
  virtual void on_first_token(const RequestContext& /*ctx*/) {}
  virtual void on_stream_end(const RequestContext& /*ctx*/) {}
  virtual void on_complete(const RequestContext& /*ctx*/, const HttpRequest& /*http*/,
                           const Answered& /*answered*/) {}
};

// The observers of one worker, in the order they are told. It hears the router's attempts as
// its AttemptListener (every RouteCall it is given is a RequestContext).
class Observers : public routing::AttemptListener {
 public:
  void on_attempt(const routing::RouteCall& call, const AttemptRecord& a) override {
    attempt(static_cast<const RequestContext&>(call), a);
  }
  void add(RequestObserver& observer) { list_.push_back(&observer); }
  void start(const RequestContext& ctx, const HttpRequest& http) const {
    for (auto* o : list_) o->on_start(ctx, http);
  }
  void attempt(const RequestContext& ctx, const AttemptRecord& a) const {
    for (auto* o : list_) o->on_attempt(ctx, a);
  }
  void first_token(const RequestContext& ctx) const {
    for (auto* o : list_) o->on_first_token(ctx);
  }
  void stream_end(const RequestContext& ctx) const {
    for (auto* o : list_) o->on_stream_end(ctx);
  }
  void complete(const RequestContext& ctx, const HttpRequest& http, const Answered& a) const {
    for (auto* o : list_) o->on_complete(ctx, http, a);
  }

 private:
  std::vector<RequestObserver*> list_;
};

}  // namespace sluice::pipeline
