#pragma once
// Runs a list of policies with the ordering and symmetry rules stated in policy.hpp.

#include <cstdint>
#include <memory>
#include <vector>

#include "pipeline/policy.hpp"

namespace sluice::pipeline {

class Chain {
 public:
  Chain() = default;
  // At most 64 policies (a Run keeps one bit per policy).
  explicit Chain(std::vector<std::shared_ptr<const Policy>> policies)
      : policies_(std::move(policies)) {}

  // Per-request cursor: remembers which on_request hooks ran, so the later hooks reach exactly
  // those. Not thread-safe; one per request.
  class Run {
   public:
    explicit Run(const Chain& chain) : chain_(chain) {}
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    // A request that ends without complete() (an exception unwound it) is completed here as a
    // 500, so reservations and counters are settled whatever happened.
    ~Run();

    boost::asio::awaitable<Verdict> request(RequestContext& ctx);
    boost::asio::awaitable<Verdict> response(RequestContext& ctx, model::Response& response);
    Verdict stream_event(RequestContext& ctx, model::StreamEvent& event);
    // Idempotent, like complete().
    void usage(RequestContext& ctx);
    // Idempotent: the first call notifies, later calls do nothing.
    void complete(RequestContext& ctx, const Outcome& outcome);

   private:
    bool entered(std::size_t i) const { return (entered_ >> i & 1) != 0; }

    const Chain& chain_;
    RequestContext* ctx_ = nullptr;  // set by request(); outlives the Run
    std::uint64_t entered_ = 0;      // bit i: policy i's on_request ran
    bool completed_ = false;
    bool usage_told_ = false;
  };

  bool empty() const { return policies_.empty(); }

 private:
  std::vector<std::shared_ptr<const Policy>> policies_;
};

}  // namespace sluice::pipeline
