#pragma once
// A test-only policy whose hooks are set per test: each call is journaled as "<name>.<hook>",
// then the hook's function (if set) decides; unset hooks continue. Its per-request state counts
// how many are alive, so tests can see the chain make and free them.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "pipeline/policy.hpp"

namespace sluice::testing_support {

struct ScriptedState {
  ScriptedState() { ++live(); }
  ~ScriptedState() { --live(); }
  ScriptedState(const ScriptedState&) = delete;
  ScriptedState& operator=(const ScriptedState&) = delete;
  static int& live() {
    static int n = 0;
    return n;
  }
  std::vector<model::StreamEvent> held;
};

class ScriptedPolicy : public pipeline::Stateful<ScriptedState> {
 public:
  using RequestContext = pipeline::RequestContext;
  using Step = pipeline::Step;
  using EventVerdict = pipeline::EventVerdict;
  using StreamOut = pipeline::StreamOut;

  ScriptedPolicy(std::string name, std::vector<std::string>& journal)
      : name_(std::move(name)), journal_(journal) {}

  static int live_states() { return ScriptedState::live(); }

  std::function<Step(RequestContext&)> request;
  std::function<boost::asio::awaitable<Step>(RequestContext&)> request_async;
  std::function<Step(RequestContext&, model::Response&)> answer;
  std::function<boost::asio::awaitable<Step>(RequestContext&, model::Response&)> answer_async;
  std::function<EventVerdict(RequestContext&, State&, model::StreamEvent&, StreamOut&)> event;
  std::function<EventVerdict(RequestContext&, State&, StreamOut&)> end;
  std::function<void(RequestContext&, const pipeline::Outcome&)> complete;
  unsigned declared =
      kRequest | kAnswer | kStreamEvent | kStreamEnd | kUsage | kComplete | kHeaders;

  std::string_view name() const override { return name_; }
  unsigned hooks() const override { return declared; }

  Step on_request(RequestContext& ctx, void*) const override {
    journal_.push_back(name_ + ".request");
    return request ? request(ctx) : Step::next();
  }
  boost::asio::awaitable<Step> on_request_async(RequestContext& ctx, void*) const override {
    co_return co_await request_async(ctx);
  }
  Step on_answer(RequestContext& ctx, void*, model::Response& r) const override {
    journal_.push_back(name_ + ".answer");
    return answer ? answer(ctx, r) : Step::next();
  }
  boost::asio::awaitable<Step> on_answer_async(RequestContext& ctx, void*,
                                               model::Response& r) const override {
    co_return co_await answer_async(ctx, r);
  }
  EventVerdict on_stream_event(RequestContext& ctx, void* state, model::StreamEvent& e,
                               StreamOut& out) const override {
    journal_.push_back(name_ + ".event");
    return event ? event(ctx, state_of(state), e, out) : EventVerdict::kPass;
  }
  EventVerdict on_stream_end(RequestContext& ctx, void* state, StreamOut& out) const override {
    journal_.push_back(name_ + ".end");
    return end ? end(ctx, state_of(state), out) : EventVerdict::kPass;
  }
  void on_usage(RequestContext&, void*) const override { journal_.push_back(name_ + ".usage"); }
  void on_complete(RequestContext& ctx, void*, const pipeline::Outcome& o) const override {
    journal_.push_back(name_ + ".complete");
    if (complete) complete(ctx, o);
  }
  void add_headers(const RequestContext&, const void*, pipeline::HeaderList& h) const override {
    journal_.push_back(name_ + ".headers");
    h.emplace_back("x-" + name_, "1");
  }

 private:
  std::string name_;
  std::vector<std::string>& journal_;
};

}  // namespace sluice::testing_support
