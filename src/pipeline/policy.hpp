#pragma once
// A policy is one step of the request pipeline (auth, limits, guardrails, cache, templates, …):
// the Envoy filter chain, reduced to what a gateway needs.
//
// Contract:
// - on_request runs in config order before routing; on_response, on_stream_event and
//   on_complete run in reverse order afterwards.
// - on_complete is called exactly once for every policy whose on_request ran, whatever happened
//   next (success, error, a later policy stopping, the client going away), so accounting can
//   rely on it.
// - A policy object is immutable once built from its config section and shared by every request
//   and thread; per-request state belongs in RequestContext.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string_view>

#include "pipeline/request_context.hpp"

namespace sluice::pipeline {

enum class Verdict {
  kContinue,
  kStop,  // the policy has set ctx.error or ctx.reply; later policies and routing are skipped
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  // Whether the policy has anything to do for this request (say, the endpoint has no limit).
  // A policy that does not apply is skipped entirely, which spares the hot path a coroutine
  // per policy per request; skipped policies get no other hook either.
  virtual bool applies(const RequestContext&) const { return true; }
  // Before routing, for a policy that never waits (keys, in-memory limits, budgets): its
  // verdict, without the coroutine on_request costs. nullopt: call on_request instead.
  virtual std::optional<Verdict> decide(RequestContext&) const { return std::nullopt; }
  // Before routing; may co_await stores (cache lookups, shared counters).
  virtual boost::asio::awaitable<Verdict> on_request(RequestContext&) const {
    co_return Verdict::kContinue;
  }
  // Whether on_response is overridden; the chain skips the others (a coroutine each otherwise).
  virtual bool rewrites_responses() const { return false; }
  // The whole response; may rewrite or replace it (and must then clear Response::raw).
  virtual boost::asio::awaitable<Verdict> on_response(RequestContext&, model::Response&) const {
    co_return Verdict::kContinue;
  }
  // Each streamed event. Synchronous because it runs once per token.
  virtual Verdict on_stream_event(RequestContext&, model::StreamEvent&) const {
    return Verdict::kContinue;
  }
  // The request's usage is final (ctx.usage; the answer or the stream's last event is known)
  // and the client has not been answered yet: the moment to settle and account, so the next
  // request of the same caller already sees it. Called at most once, before on_complete; not
  // at all when no answer came (on_complete must then cover it).
  virtual void on_usage(RequestContext&) const {}
  virtual void on_complete(RequestContext&, const Outcome&) const {}
};

}  // namespace sluice::pipeline
