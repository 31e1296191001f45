#include "pipeline/chain.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <string>
#include <vector>

namespace sluice::pipeline {
namespace asio = boost::asio;

namespace {

// Records each hook call as "<name>.<hook>" into a shared journal.
class RecordingPolicy : public Policy {
 public:
  RecordingPolicy(std::string name, std::vector<std::string>& journal, bool stop = false,
                  bool applies = true)
      : name_(std::move(name)), journal_(journal), stop_(stop), applies_(applies) {}
  std::string_view name() const override { return name_; }
  bool applies(const RequestContext&) const override { return applies_; }
  asio::awaitable<Verdict> on_request(RequestContext&) const override {
    journal_.push_back(name_ + ".request");
    co_return stop_ ? Verdict::kStop : Verdict::kContinue;
  }
  bool rewrites_responses() const override { return true; }
  asio::awaitable<Verdict> on_response(RequestContext&, model::Response&) const override {
    journal_.push_back(name_ + ".response");
    co_return Verdict::kContinue;
  }
  Verdict on_stream_event(RequestContext&, model::StreamEvent&) const override {
    journal_.push_back(name_ + ".event");
    return Verdict::kContinue;
  }
  void on_complete(RequestContext&, const Outcome&) const override {
    journal_.push_back(name_ + ".complete");
  }

 private:
  std::string name_;
  std::vector<std::string>& journal_;
  bool stop_;
  bool applies_;
};

template <class F>
void run(F f) {
  asio::io_context io;
  auto done = asio::co_spawn(io, f(), asio::use_future);
  io.run();
  done.get();
}

}  // namespace

TEST(Chain, RequestInOrderThenResponseEventsAndCompleteInReverse) {
  std::vector<std::string> journal;
  Chain chain({std::make_shared<RecordingPolicy>("a", journal),
               std::make_shared<RecordingPolicy>("b", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain);
    EXPECT_EQ(co_await r.request(ctx), Verdict::kContinue);
    model::Response resp;
    co_await r.response(ctx, resp);
    model::StreamEvent ev;
    r.stream_event(ctx, ev);
    r.complete(ctx, Outcome{200});
    r.complete(ctx, Outcome{200});  // idempotent
  });
  EXPECT_EQ(journal, (std::vector<std::string>{"a.request", "b.request", "b.response", "a.response",
                                               "b.event", "a.event", "b.complete", "a.complete"}));
}

TEST(Chain, StopSkipsLaterPoliciesAndCompletesOnlyThoseThatRan) {
  std::vector<std::string> journal;
  Chain chain({std::make_shared<RecordingPolicy>("a", journal),
               std::make_shared<RecordingPolicy>("b", journal, true),
               std::make_shared<RecordingPolicy>("c", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain);
    EXPECT_EQ(co_await r.request(ctx), Verdict::kStop);
    r.complete(ctx, Outcome{429});
  });
  EXPECT_EQ(journal,
            (std::vector<std::string>{"a.request", "b.request", "b.complete", "a.complete"}));
}

}  // namespace sluice::pipeline

namespace sluice::pipeline {

TEST(Chain, PoliciesThatDoNotApplyGetNoHookAtAll) {
  std::vector<std::string> journal;
  Chain chain({std::make_shared<RecordingPolicy>("a", journal),
               std::make_shared<RecordingPolicy>("skipped", journal, false, false),
               std::make_shared<RecordingPolicy>("c", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain);
    co_await r.request(ctx);
    model::StreamEvent ev;
    r.stream_event(ctx, ev);
    r.complete(ctx, Outcome{200});
  });
  EXPECT_EQ(journal, (std::vector<std::string>{"a.request", "c.request", "c.event", "a.event",
                                               "c.complete", "a.complete"}));
}

}  // namespace sluice::pipeline
