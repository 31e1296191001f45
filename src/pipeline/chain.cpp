#include "pipeline/chain.hpp"

namespace sluice::pipeline {

Chain::Run::~Run() {
  if (completed_ || ctx_ == nullptr) return;
  try {
    const Error failure = Error::make(ErrorCode::kInternal, "the request ended without an answer");
    complete(*ctx_, Outcome{500, false, &failure});
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

boost::asio::awaitable<Verdict> Chain::Run::request(RequestContext& ctx) {
  ctx_ = &ctx;
  for (std::size_t i = 0; i < chain_.policies_.size(); ++i) {
    const auto& policy = chain_.policies_[i];
    if (!policy->applies(ctx)) continue;
    entered_ |= std::uint64_t{1} << i;
    if (auto verdict = policy->decide(ctx)) {
      if (*verdict == Verdict::kStop) co_return Verdict::kStop;
      continue;
    }
    if (co_await policy->on_request(ctx) == Verdict::kStop) co_return Verdict::kStop;
  }
  co_return Verdict::kContinue;
}

boost::asio::awaitable<Verdict> Chain::Run::response(RequestContext& ctx,
                                                     model::Response& response) {
  for (std::size_t i = chain_.policies_.size(); i-- > 0;) {
    if (!entered(i) || !chain_.policies_[i]->rewrites_responses()) continue;
    if (co_await chain_.policies_[i]->on_response(ctx, response) == Verdict::kStop) {
      co_return Verdict::kStop;
    }
  }
  co_return Verdict::kContinue;
}

Verdict Chain::Run::stream_event(RequestContext& ctx, model::StreamEvent& event) {
  for (std::size_t i = chain_.policies_.size(); i-- > 0;) {
    if (entered(i) && chain_.policies_[i]->on_stream_event(ctx, event) == Verdict::kStop) {
      return Verdict::kStop;
    }
  }
  return Verdict::kContinue;
}

void Chain::Run::usage(RequestContext& ctx) {
  if (usage_told_ || completed_) return;
  usage_told_ = true;
  for (std::size_t i = chain_.policies_.size(); i-- > 0;) {
    if (entered(i)) chain_.policies_[i]->on_usage(ctx);
  }
}

void Chain::Run::complete(RequestContext& ctx, const Outcome& outcome) {
  if (completed_) return;
  completed_ = true;
  for (std::size_t i = chain_.policies_.size(); i-- > 0;) {
    if (entered(i)) chain_.policies_[i]->on_complete(ctx, outcome);
  }
}

}  // namespace sluice::pipeline
