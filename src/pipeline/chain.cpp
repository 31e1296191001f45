#include "pipeline/chain.hpp"

#include <stdexcept>
#include <string>

namespace sluice::pipeline {

Chain::Chain(std::vector<std::shared_ptr<const Policy>> policies) : policies_(std::move(policies)) {
  if (policies_.size() > 64) throw std::invalid_argument("a chain holds at most 64 policies");
  hooks_.reserve(policies_.size());
  for (const auto& p : policies_) hooks_.push_back(p->hooks());
}

Chain::Run::Run(const Chain& chain, RequestContext& ctx)
    : chain_(chain), ctx_(ctx), states_(chain.policies_.size(), nullptr) {}

Chain::Run::~Run() {
  if (!completed_) {
    try {
      const Error failure =
          Error::make(ErrorCode::kInternal, "the request ended without an answer");
      complete(Outcome{500, false, &failure});
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  }
  for (std::size_t i = 0; i < states_.size(); ++i) {
    if (states_[i] != nullptr) chain_.policies_[i]->drop_state(states_[i]);
  }
}

Step::Kind Chain::Run::conclude(Step& step) {
  if (step.kind() == Step::Kind::kFail) {
    ctx_.error = std::move(*step.error());
  } else if (step.kind() == Step::Kind::kAnswer) {
    reply_ = std::move(step.reply());
  }
  return step.kind();
}

namespace {

// A twin that asks to wait again is a broken policy: the request fails rather than skipping the
// policies after it unchecked.
void waited_twice(Step& step, const Policy& policy) {
  if (step.kind() != Step::Kind::kWait) return;
  step = Step::fail(Error::make(ErrorCode::kInternal, "policy '" + std::string(policy.name()) +
                                                          "' asked to wait from its waiting hook"));
}

}  // namespace

boost::asio::awaitable<Step::Kind> Chain::Run::request() {
  for (std::size_t i = 0; i < chain_.policies_.size(); ++i) {
    const Policy& policy = *chain_.policies_[i];
    const unsigned hooks = chain_.hooks_[i];
    states_[i] = policy.make_state(ctx_.arena());
    // Entered before its hook runs: a request torn down while the hook waits (the client left
    // during a Redis round trip) still completes it, so what it reserved is settled.
    entered_ |= std::uint64_t{1} << i;
    entered_hooks_ |= hooks;
    if ((hooks & Policy::kRequest) == 0) continue;
    Step step = policy.on_request(ctx_, states_[i]);
    if (step.kind() == Step::Kind::kWait) {
      step = co_await policy.on_request_async(ctx_, states_[i]);
      waited_twice(step, policy);
    }
    if (step.kind() == Step::Kind::kSkip) {
      entered_ &= ~(std::uint64_t{1} << i);
      policy.drop_state(states_[i]);
      states_[i] = nullptr;
      // Its hooks no longer count: a policy that skips (a cache on another endpoint) must not
      // cost every stream event a pass through the chain.
      entered_hooks_ = 0;
      for (std::size_t j = 0; j < i; ++j) {
        if (entered(j)) entered_hooks_ |= chain_.hooks_[j];
      }
      continue;
    }
    if (step.kind() != Step::Kind::kNext) co_return conclude(step);
  }
  co_return Step::Kind::kNext;
}

boost::asio::awaitable<bool> Chain::Run::answer(model::Response& response) {
  if ((entered_hooks_ & Policy::kAnswer) == 0) co_return true;
  for (std::size_t i = chain_.policies_.size(); i-- > 0;) {
    if (!entered(i) || (chain_.hooks_[i] & Policy::kAnswer) == 0) continue;
    const Policy& policy = *chain_.policies_[i];
    Step step = policy.on_answer(ctx_, states_[i], response);
    if (step.kind() == Step::Kind::kWait) {
      step = co_await policy.on_answer_async(ctx_, states_[i], response);
      waited_twice(step, policy);
    }
    if (step.kind() == Step::Kind::kFail) {
      conclude(step);
      co_return false;
    }
  }
  co_return true;
}

bool Chain::Run::one(std::size_t i, std::vector<model::StreamEvent>& events) {
  const Policy& policy = *chain_.policies_[i];
  scratch_.clear();
  StreamOut out(scratch_);
  for (auto& event : events) {
    const EventVerdict verdict = policy.on_stream_event(ctx_, states_[i], event, out);
    if (verdict == EventVerdict::kPass) {
      scratch_.push_back(std::move(event));
    } else if (verdict == EventVerdict::kStop) {
      stopped_ = std::move(out.stopped());
      if (!stopped_) stopped_ = Error::make(ErrorCode::kInternal, "the stream was stopped");
      events.swap(scratch_);  // what came before the stop still goes out
      return false;
    }
  }
  events.swap(scratch_);
  return true;
}

bool Chain::Run::through(std::vector<model::StreamEvent>& events, std::size_t upto) {
  for (std::size_t i = upto; i-- > 0;) {
    if (events.empty()) return true;
    if (!entered(i) || (chain_.hooks_[i] & Policy::kStreamEvent) == 0) continue;
    if (!one(i, events)) {
      // Stopped: what preceded the stop passes the policies before this one; a second stop
      // there keeps the first error.
      auto first = std::move(stopped_);
      through(events, i);
      stopped_ = std::move(first);
      return false;
    }
  }
  return true;
}

bool Chain::Run::stream_events(std::vector<model::StreamEvent>& events) {
  if ((entered_hooks_ & Policy::kStreamEvent) == 0) return true;
  return through(events, chain_.policies_.size());
}

bool Chain::Run::stream_end(std::vector<model::StreamEvent>& events) {
  if ((entered_hooks_ & Policy::kStreamEnd) == 0) return true;
  // Down the chain: what policy i's end emits passes the event hooks of the policies before it,
  // then their own ends, in turn; then it follows what `events` already holds.
  std::vector<model::StreamEvent> emitted;
  bool ok = true;
  for (std::size_t i = chain_.policies_.size(); ok && i-- > 0;) {
    if (!entered(i)) continue;
    if ((chain_.hooks_[i] & Policy::kStreamEvent) != 0 && !emitted.empty()) ok = one(i, emitted);
    if (ok && (chain_.hooks_[i] & Policy::kStreamEnd) != 0) {
      StreamOut out(emitted);
      if (chain_.policies_[i]->on_stream_end(ctx_, states_[i], out) == EventVerdict::kStop) {
        stopped_ = std::move(out.stopped());
        if (!stopped_) stopped_ = Error::make(ErrorCode::kInternal, "the stream was stopped");
        ok = false;
      }
    }
    if (!ok) {
      auto first = std::move(stopped_);
      through(emitted, i);
      stopped_ = std::move(first);
    }
  }
  for (auto& e : emitted) events.push_back(std::move(e));
  return ok;
}

void Chain::Run::usage() {
  if (usage_told_ || completed_) return;
  usage_told_ = true;
  if ((entered_hooks_ & Policy::kUsage) == 0) return;
  for (std::size_t i = chain_.policies_.size(); i-- > 0;) {
    if (entered(i) && (chain_.hooks_[i] & Policy::kUsage) != 0)
      chain_.policies_[i]->on_usage(ctx_, states_[i]);
  }
}

void Chain::Run::complete(const Outcome& outcome) {
  if (completed_) return;
  completed_ = true;
  if ((entered_hooks_ & Policy::kComplete) == 0) return;
  for (std::size_t i = chain_.policies_.size(); i-- > 0;) {
    if (entered(i) && (chain_.hooks_[i] & Policy::kComplete) != 0)
      chain_.policies_[i]->on_complete(ctx_, states_[i], outcome);
  }
}

void Chain::Run::add_headers(HeaderList& headers) const {
  if ((entered_hooks_ & Policy::kHeaders) == 0) return;
  for (std::size_t i = 0; i < chain_.policies_.size(); ++i) {
    if (entered(i) && (chain_.hooks_[i] & Policy::kHeaders) != 0)
      chain_.policies_[i]->add_headers(ctx_, states_[i], headers);
  }
}

}  // namespace sluice::pipeline
