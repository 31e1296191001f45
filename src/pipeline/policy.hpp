#pragma once
// A policy is one step of the request pipeline (keys, limits, budgets, templates, accounting,
// the response cache, and next guardrails): the Envoy filter chain, reduced to what a gateway
// needs.
//
// Hooks. Each is optional; hooks() says which a policy has and the chain calls no other, so a
// policy costs nothing on the hooks it does not use.
//   request       config order, before routing. Step: next (the request may have been rewritten
//                 in place), skip (nothing for this request: no other hook follows), answer (a
//                 whole answer or a recorded stream, given in the provider's place; routing is
//                 skipped), fail (an error for the client), wait (see below).
//   answer        reverse order, on a non-streamed answer from a provider. Step: next (the answer
//                 may have been rewritten in place; clear Response::raw then), fail, wait.
//   stream_event  reverse order, on each streamed event, synchronous (it runs once per token).
//                 Verdict: pass (the event, possibly rewritten, goes on), drop, hold (the policy
//                 moved it into its state, to emit later), stop (StreamOut::stop: the stream ends
//                 with that error in the client's dialect). Events given to StreamOut::emit go on
//                 ahead of the one the hook was given, through the policies after it.
//   stream_end    reverse order, once the provider's stream has ended cleanly: emit what was held
//                 or anything to append; stop fails the stream instead of ending it.
//   usage         the request's usage is final (ctx.usage) and the client does not have the end
//                 of the answer yet: the moment to settle and account, so the caller's next
//                 request already sees it. At most once, before complete; not at all when no
//                 answer came (complete covers that).
//   complete      exactly once for every policy whose request hook ran and did not skip,
//                 whatever happened next (success, error, a later policy failing, the client
//                 going away, an exception).
//   headers       response headers the policy contributes (x-ratelimit-*, x-sluice-cost-usd),
//                 asked when the response head is built.
// Waiting: the request and answer hooks are plain functions; one that must wait (a Redis round
// trip, a moderation call) returns Step::wait() and the chain then co_awaits its *_async twin.
// A policy that never waits therefore costs no coroutine frame.
//
// State. A policy object is immutable, built once per config snapshot from its config section and
// shared by every request and thread. What it keeps for one request lives in its State
// (derive from Stateful<State>): constructed by the chain in the request's arena before the
// request hook, handed to every hook, destroyed when the request ends (client abort included).

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/http_exchange.hpp"
#include "pipeline/request_context.hpp"

namespace sluice::pipeline {

// An answer a policy gives in the provider's place (a cache hit, a canned refusal). Either a
// whole answer or a recorded stream (events in the internal chunk shape, as providers' stream
// translators produce them); either one is rendered in the client's dialect, as a stream when the
// client asked for one, and converted when the request and the reply differ in that respect.
struct Reply {
  std::optional<model::Response> response;
  std::vector<model::StreamEvent> events;
};

// What a request or answer hook decided.
class Step {
 public:
  enum class Kind : std::uint8_t { kNext, kSkip, kAnswer, kFail, kWait };

  static Step next() { return Step(Kind::kNext); }
  static Step skip() { return Step(Kind::kSkip); }
  static Step wait() { return Step(Kind::kWait); }
  static Step fail(Error error) {
    Step s(Kind::kFail);
    s.error_ = std::make_unique<Error>(std::move(error));
    return s;
  }
  static Step answer(Reply reply) {
    Step s(Kind::kAnswer);
    s.reply_ = std::make_unique<Reply>(std::move(reply));
    return s;
  }

  Kind kind() const { return kind_; }
  // Set for kFail / kAnswer; taken by the chain.
  std::unique_ptr<Error>& error() { return error_; }
  std::unique_ptr<Reply>& reply() { return reply_; }

 private:
  explicit Step(Kind kind) : kind_(kind) {}
  Kind kind_;
  std::unique_ptr<Error> error_;  // pointers: the common Step (next) stays two words and a byte
  std::unique_ptr<Reply> reply_;
};

enum class EventVerdict : std::uint8_t { kPass, kDrop, kHold, kStop };

// What a stream hook may add to the stream besides the event it was given.
class StreamOut {
 public:
  explicit StreamOut(std::vector<model::StreamEvent>& out) : out_(out) {}
  // Goes on ahead of the event the hook was given (at stream end: after everything so far).
  void emit(model::StreamEvent event) { out_.push_back(std::move(event)); }
  // Ends the stream with `error`, rendered as the client's dialect's error event. Return its
  // result from the hook.
  EventVerdict stop(Error error) {
    stopped_ = std::move(error);
    return EventVerdict::kStop;
  }
  std::optional<Error>& stopped() { return stopped_; }

 private:
  std::vector<model::StreamEvent>& out_;
  std::optional<Error> stopped_;
};

// How the request ended, for the complete hook.
struct Outcome {
  unsigned status = 0;
  bool client_gone = false;
  const Error* error = nullptr;
};

class Policy {
 public:
  enum Hook : unsigned {
    kRequest = 1U << 0U,
    kAnswer = 1U << 1U,
    kStreamEvent = 1U << 2U,
    kStreamEnd = 1U << 3U,
    kUsage = 1U << 4U,
    kComplete = 1U << 5U,
    kHeaders = 1U << 6U,
  };

  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  // The Hook bits this policy implements.
  virtual unsigned hooks() const = 0;

  // Per-request state (Stateful<S> implements these): `arena` is the request's, freed whole
  // when the request ends, so drop_state only runs the destructor.
  virtual void* make_state(boost::json::memory_resource& /*arena*/) const { return nullptr; }
  virtual void drop_state(void* /*state*/) const {}

  virtual Step on_request(RequestContext& /*ctx*/, void* /*state*/) const { return Step::next(); }
  virtual boost::asio::awaitable<Step> on_request_async(RequestContext& /*ctx*/,
                                                        void* /*state*/) const {
    co_return Step::next();
  }
  virtual Step on_answer(RequestContext& /*ctx*/, void* /*state*/,
                         model::Response& /*answer*/) const {
    return Step::next();
  }
  virtual boost::asio::awaitable<Step> on_answer_async(RequestContext& /*ctx*/, void* /*state*/,
                                                       model::Response& /*answer*/) const {
    co_return Step::next();
  }
  virtual EventVerdict on_stream_event(RequestContext& /*ctx*/, void* /*state*/,
                                       model::StreamEvent& /*event*/, StreamOut& /*out*/) const {
    return EventVerdict::kPass;
  }
  virtual EventVerdict on_stream_end(RequestContext& /*ctx*/, void* /*state*/,
                                     StreamOut& /*out*/) const {
    return EventVerdict::kPass;
  }
  virtual void on_usage(RequestContext& /*ctx*/, void* /*state*/) const {}
  virtual void on_complete(RequestContext& /*ctx*/, void* /*state*/,
                           const Outcome& /*outcome*/) const {}
  virtual void add_headers(const RequestContext& /*ctx*/, const void* /*state*/,
                           HeaderList& /*headers*/) const {}
};

// A policy with per-request state of type S (default-constructible).
template <class S>
class Stateful : public Policy {
 public:
  using State = S;
  void* make_state(boost::json::memory_resource& arena) const final {
    return new (arena.allocate(sizeof(S), alignof(S))) S();
  }
  void drop_state(void* state) const final { static_cast<S*>(state)->~S(); }

 protected:
  static S& state_of(void* state) { return *static_cast<S*>(state); }
  static const S& state_of(const void* state) { return *static_cast<const S*>(state); }
};

}  // namespace sluice::pipeline
