#pragma once
// Runs a list of policies with the ordering and symmetry rules stated in policy.hpp.

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "pipeline/policy.hpp"

namespace sluice::pipeline {

class Chain {
 public:
  Chain() = default;
  // At most 64 policies (a Run keeps one bit per policy).
  explicit Chain(std::vector<std::shared_ptr<const Policy>> policies);

  // One request's pass through the chain: which policies entered (their request hook ran and
  // did not skip), their states, and the answer one of them gave. Not thread-safe; one per
  // request, on the request's coroutine. `ctx` must outlive the Run.
  class Run {
   public:
    Run(const Chain& chain, RequestContext& ctx);
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    // A request that ends without complete() (an exception unwound it, the client left) is
    // completed here as a 500, so reservations and counters are settled whatever happened;
    // then the states are destroyed.
    ~Run();

    // The request hooks in order. kNext: go on to routing. kFail: ctx.error holds the error.
    // kAnswer: take_reply() holds the answer.
    boost::asio::awaitable<Step::Kind> request();
    // The answer hooks in reverse order. False: a policy failed it (ctx.error holds why).
    boost::asio::awaitable<bool> answer(model::Response& response);
    // Whether any entered policy has an answer hook.
    bool watches_answers() const { return (entered_hooks_ & Policy::kAnswer) != 0; }
    // Whether any entered policy has a stream hook (when none has, events need not pass here).
    bool watches_stream() const {
      return (entered_hooks_ & (Policy::kStreamEvent | Policy::kStreamEnd)) != 0;
    }
    // Runs `events` (in order) through the stream hooks, replacing them with what comes out.
    // False: a policy stopped the stream; stopped() holds the error, `events` what precedes it.
    bool stream_events(std::vector<model::StreamEvent>& events);
    // The provider's stream ended cleanly: the stream-end hooks append what they emit to
    // `events` (which holds what already went through stream_events), each policy's emissions
    // passing the event hooks of the policies before it. False: a policy stopped the stream.
    bool stream_end(std::vector<model::StreamEvent>& events);
    const std::optional<Error>& stopped() const { return stopped_; }
    // Idempotent, like complete().
    void usage();
    // Idempotent: the first call notifies, later calls do nothing.
    void complete(const Outcome& outcome);
    void add_headers(HeaderList& headers) const;
    std::unique_ptr<Reply> take_reply() { return std::move(reply_); }

   private:
    bool entered(std::size_t i) const { return (entered_ >> i & 1U) != 0; }
    // Takes a failing or answering step's payload; the verdict for request()/answer().
    Step::Kind conclude(Step& step);
    // Policy i's event hook over `events`, in place; false when it stopped the stream.
    bool one(std::size_t i, std::vector<model::StreamEvent>& events);
    // Passes `events` through the event hooks of policies [0, upto) that entered, in reverse.
    bool through(std::vector<model::StreamEvent>& events, std::size_t upto);

    const Chain& chain_;
    RequestContext& ctx_;
    std::uint64_t entered_ = 0;   // bit i: policy i's request hook ran and did not skip
    unsigned entered_hooks_ = 0;  // the union of the entered policies' hooks
    boost::container::small_vector<void*, 8> states_;
    std::vector<model::StreamEvent> scratch_;
    std::unique_ptr<Reply> reply_;
    std::optional<Error> stopped_;
    bool completed_ = false;
    bool usage_told_ = false;
  };

  bool empty() const { return policies_.empty(); }
  std::size_t size() const { return policies_.size(); }
  const Policy& at(std::size_t i) const { return *policies_[i]; }

 private:
  std::vector<std::shared_ptr<const Policy>> policies_;
  std::vector<unsigned> hooks_;  // policies_[i]->hooks(), asked once
};

}  // namespace sluice::pipeline
