#include "pipeline/chain.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "support/scripted_policy.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;
using testing_support::ScriptedPolicy;

namespace {

template <class F>
void run(F f) {
  asio::io_context io;
  auto done = asio::co_spawn(io, f(), asio::use_future);
  io.run();
  done.get();
}

model::StreamEvent text_event(std::string text) {
  model::StreamEvent e;
  e.chunk = json::object{{"text", std::move(text)}};
  return e;
}

std::vector<std::string> texts(const std::vector<model::StreamEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.emplace_back(e.chunk.at("text").as_string());
  return out;
}

std::shared_ptr<ScriptedPolicy> policy(std::string name, std::vector<std::string>& journal) {
  return std::make_shared<ScriptedPolicy>(std::move(name), journal);
}

}  // namespace

TEST(Chain, RequestInOrderThenEverythingElseInReverseAndCompleteOnce) {
  std::vector<std::string> journal;
  Chain chain({policy("a", journal), policy("b", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    EXPECT_EQ(co_await r.request(), Step::Kind::kNext);
    model::Response resp;
    EXPECT_TRUE(co_await r.answer(resp));
    std::vector<model::StreamEvent> events{text_event("x")};
    EXPECT_TRUE(r.stream_events(events));
    EXPECT_TRUE(r.stream_end(events));
    r.usage();
    r.usage();  // idempotent
    HeaderList headers;
    r.add_headers(headers);
    r.complete(Outcome{200});
    r.complete(Outcome{200});  // idempotent
  });
  EXPECT_EQ(journal,
            (std::vector<std::string>{"a.request", "b.request", "b.answer", "a.answer", "b.event",
                                      "a.event", "b.end", "a.end", "b.usage", "a.usage",
                                      "a.headers", "b.headers", "b.complete", "a.complete"}));
}

TEST(Chain, FailSkipsLaterPoliciesAndRoutingAndCompletesOnlyThoseThatEntered) {
  std::vector<std::string> journal;
  auto b = policy("b", journal);
  b->request = [](RequestContext&) { return Step::fail(Error::invalid("no", "x")); };
  Chain chain({policy("a", journal), b, policy("c", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    EXPECT_EQ(co_await r.request(), Step::Kind::kFail);
    EXPECT_EQ(ctx.error->message, "no");
    EXPECT_EQ(ctx.error->param, "x");
    r.complete(Outcome{400, false, &*ctx.error});
  });
  EXPECT_EQ(journal,
            (std::vector<std::string>{"a.request", "b.request", "b.complete", "a.complete"}));
}

TEST(Chain, ASkippingPolicyGetsNoOtherHookAndItsStateIsGoneAtOnce) {
  std::vector<std::string> journal;
  auto skipped = policy("skipped", journal);
  skipped->request = [](RequestContext&) { return Step::skip(); };
  Chain chain({policy("a", journal), skipped, policy("c", journal)});
  int live_before = ScriptedPolicy::live_states();
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    co_await r.request();
    EXPECT_EQ(ScriptedPolicy::live_states(), live_before + 2);  // a's and c's
    std::vector<model::StreamEvent> events{text_event("x")};
    r.stream_events(events);
    r.complete(Outcome{200});
  });
  EXPECT_EQ(ScriptedPolicy::live_states(), live_before);
  EXPECT_EQ(journal, (std::vector<std::string>{"a.request", "skipped.request", "c.request",
                                               "c.event", "a.event", "c.complete", "a.complete"}));
}

TEST(Chain, AnswerNowCarriesTheReplyAndSkipsTheRest) {
  std::vector<std::string> journal;
  auto cache = policy("cache", journal);
  cache->request = [](RequestContext&) {
    Reply reply;
    reply.events.push_back(text_event("cached"));
    return Step::answer(std::move(reply));
  };
  Chain chain({policy("a", journal), cache, policy("c", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    EXPECT_EQ(co_await r.request(), Step::Kind::kAnswer);
    auto reply = r.take_reply();
    EXPECT_TRUE(reply != nullptr);
    if (reply) {
      EXPECT_EQ(texts(reply->events), std::vector<std::string>{"cached"});
    }
    EXPECT_FALSE(ctx.error);
    r.complete(Outcome{200});
  });
  EXPECT_EQ(journal, (std::vector<std::string>{"a.request", "cache.request", "cache.complete",
                                               "a.complete"}));
}

TEST(Chain, WaitingHooksAreAwaitedAndOthersNeedNoCoroutine) {
  std::vector<std::string> journal;
  auto slow = policy("slow", journal);
  slow->request = [](RequestContext&) { return Step::wait(); };
  slow->request_async = [&journal](RequestContext& ctx) -> asio::awaitable<Step> {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
    co_await timer.async_wait(asio::use_awaitable);
    journal.push_back("slow.request_async");
    ctx.request.body["seen"] = true;
    co_return Step::next();
  };
  slow->answer = [](RequestContext&, model::Response&) { return Step::wait(); };
  slow->answer_async = [&journal](RequestContext&, model::Response& r) -> asio::awaitable<Step> {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
    co_await timer.async_wait(asio::use_awaitable);
    journal.push_back("slow.answer_async");
    co_return Step::fail(Error::make(ErrorCode::kForbidden,
                                     "moderated: " + std::string(r.body.at("x").as_string())));
  };
  Chain chain({policy("a", journal), slow});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    EXPECT_EQ(co_await r.request(), Step::Kind::kNext);
    EXPECT_TRUE(ctx.request.body.contains("seen"));
    model::Response resp;
    resp.body["x"] = "bad";
    EXPECT_FALSE(co_await r.answer(resp));  // a failing answer hook stops the ones after it
    EXPECT_EQ(ctx.error->message, "moderated: bad");
    r.complete(Outcome{403, false, &*ctx.error});
  });
  EXPECT_EQ(journal, (std::vector<std::string>{"a.request", "slow.request", "slow.request_async",
                                               "slow.answer", "slow.answer_async", "slow.complete",
                                               "a.complete"}));
}

TEST(Chain, AWaitingHookThatAsksToWaitAgainFailsTheRequest) {
  std::vector<std::string> journal;
  auto broken = policy("broken", journal);
  broken->request = [](RequestContext&) { return Step::wait(); };
  broken->request_async = [](RequestContext&) -> asio::awaitable<Step> { co_return Step::wait(); };
  Chain chain({broken, policy("after", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    EXPECT_EQ(co_await r.request(), Step::Kind::kFail);  // never skipped past unchecked
    EXPECT_EQ(http_status(*ctx.error), 500u);
    r.complete(Outcome{500, false, &*ctx.error});
  });
  EXPECT_EQ(journal, (std::vector<std::string>{"broken.request", "broken.complete"}));
}

TEST(Chain, AnAnswerHookRewritesTheAnswerInPlace) {
  std::vector<std::string> journal;
  auto upper = policy("upper", journal);
  upper->answer = [](RequestContext&, model::Response& r) {
    r.body["text"] = "REWRITTEN";
    r.raw.clear();
    return Step::next();
  };
  auto seen = std::make_shared<std::string>();
  auto reader = policy("reader", journal);
  reader->answer = [seen](RequestContext&, model::Response& r) {
    *seen = r.body.at("text").as_string();
    return Step::next();
  };
  // reader is before upper, so it runs after it on the way back.
  Chain chain({reader, upper});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    co_await r.request();
    model::Response resp;
    resp.body["text"] = "original";
    resp.raw = "{\"text\":\"original\"}";
    EXPECT_TRUE(co_await r.answer(resp));
    EXPECT_TRUE(resp.raw.empty());
    r.complete(Outcome{200});
  });
  EXPECT_EQ(*seen, "REWRITTEN");
}

TEST(Chain, StreamHooksPassReplaceDropHoldAndEmit) {
  std::vector<std::string> journal;
  // inner (last in config order) sees the provider's events first.
  auto inner = policy("inner", journal);
  inner->event = [](RequestContext&, ScriptedPolicy::State& state, model::StreamEvent& e,
                    StreamOut& out) {
    const std::string t(e.chunk.at("text").as_string());
    if (t == "drop") return EventVerdict::kDrop;
    if (t == "hold") {
      state.held.push_back(std::move(e));
      return EventVerdict::kHold;
    }
    if (t == "release") {
      for (auto& h : state.held) out.emit(std::move(h));
      state.held.clear();
    }
    if (t == "replace") e.chunk["text"] = "replaced";
    return EventVerdict::kPass;
  };
  auto outer = policy("outer", journal);
  outer->event = [](RequestContext&, ScriptedPolicy::State&, model::StreamEvent& e, StreamOut&) {
    e.chunk["text"] = std::string(e.chunk.at("text").as_string()) + "'";
    return EventVerdict::kPass;
  };
  Chain chain({outer, inner});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    co_await r.request();
    EXPECT_TRUE(r.watches_stream());
    std::vector<model::StreamEvent> events{text_event("a"), text_event("hold"), text_event("drop"),
                                           text_event("replace")};
    EXPECT_TRUE(r.stream_events(events));
    EXPECT_EQ(texts(events), (std::vector<std::string>{"a'", "replaced'"}));
    events = {text_event("release")};
    EXPECT_TRUE(r.stream_events(events));
    // Emitted events go out ahead of the one the hook was given, through the outer policy too.
    EXPECT_EQ(texts(events), (std::vector<std::string>{"hold'", "release'"}));
    r.complete(Outcome{200});
  });
}

TEST(Chain, StreamStopKeepsWhatCameBeforeAndGivesTheError) {
  std::vector<std::string> journal;
  auto guard = policy("guard", journal);
  guard->event = [](RequestContext&, ScriptedPolicy::State&, model::StreamEvent& e,
                    StreamOut& out) {
    if (e.chunk.at("text").as_string() == "secret")
      return out.stop(Error::make(ErrorCode::kForbidden, "blocked by guard"));
    return EventVerdict::kPass;
  };
  auto outer = policy("outer", journal);
  outer->event = [](RequestContext&, ScriptedPolicy::State&, model::StreamEvent& e, StreamOut&) {
    e.chunk["text"] = std::string(e.chunk.at("text").as_string()) + "'";
    return EventVerdict::kPass;
  };
  Chain chain({outer, guard});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    co_await r.request();
    std::vector<model::StreamEvent> events{text_event("ok"), text_event("secret"),
                                           text_event("after")};
    EXPECT_FALSE(r.stream_events(events));
    EXPECT_EQ(texts(events), std::vector<std::string>{"ok'"});
    EXPECT_TRUE(r.stopped().has_value());
    if (r.stopped()) {
      EXPECT_EQ(r.stopped()->message, "blocked by guard");
    }
    r.complete(Outcome{200});
  });
}

TEST(Chain, StreamEndFlushesHeldEventsThroughTheEarlierPolicies) {
  std::vector<std::string> journal;
  auto holder = policy("holder", journal);
  holder->event = [](RequestContext&, ScriptedPolicy::State& state, model::StreamEvent& e,
                     StreamOut&) {
    state.held.push_back(std::move(e));
    return EventVerdict::kHold;
  };
  holder->end = [](RequestContext&, ScriptedPolicy::State& state, StreamOut& out) {
    for (auto& h : state.held) out.emit(std::move(h));
    out.emit(text_event("appended"));
    return EventVerdict::kPass;
  };
  auto outer = policy("outer", journal);
  outer->event = [](RequestContext&, ScriptedPolicy::State&, model::StreamEvent& e, StreamOut&) {
    e.chunk["text"] = std::string(e.chunk.at("text").as_string()) + "'";
    return EventVerdict::kPass;
  };
  auto stopper = policy("stopper", journal);
  stopper->end = [](RequestContext&, ScriptedPolicy::State&, StreamOut& out) {
    return out.stop(Error::make(ErrorCode::kForbidden, "the whole answer is refused"));
  };
  {
    Chain chain({outer, holder});
    run([&]() -> asio::awaitable<void> {
      RequestContext ctx;
      Chain::Run r(chain, ctx);
      co_await r.request();
      std::vector<model::StreamEvent> events{text_event("a"), text_event("b")};
      EXPECT_TRUE(r.stream_events(events));
      EXPECT_TRUE(events.empty());
      EXPECT_TRUE(r.stream_end(events));
      EXPECT_EQ(texts(events), (std::vector<std::string>{"a'", "b'", "appended'"}));
      r.complete(Outcome{200});
    });
  }
  {
    Chain chain({outer, stopper, holder});
    run([&]() -> asio::awaitable<void> {
      RequestContext ctx;
      Chain::Run r(chain, ctx);
      co_await r.request();
      std::vector<model::StreamEvent> events{text_event("a")};
      r.stream_events(events);
      EXPECT_FALSE(r.stream_end(events));
      // What the holder flushed went out before the stopper's error, through outer.
      EXPECT_EQ(texts(events), (std::vector<std::string>{"a'", "appended'"}));
      if (r.stopped()) {
        EXPECT_EQ(r.stopped()->message, "the whole answer is refused");
      }
      r.complete(Outcome{200});
    });
  }
}

TEST(Chain, ARunDroppedWithoutCompleteCompletesAs500AndFreesStates) {
  std::vector<std::string> journal;
  auto a = policy("a", journal);
  auto outcome = std::make_shared<unsigned>(0);
  a->complete = [outcome](RequestContext&, const Outcome& o) { *outcome = o.status; };
  Chain chain({a});
  const int live_before = ScriptedPolicy::live_states();
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    {
      Chain::Run r(chain, ctx);
      co_await r.request();
      EXPECT_EQ(ScriptedPolicy::live_states(), live_before + 1);
    }  // the client went away mid-request: no complete() from the handler
    EXPECT_EQ(ScriptedPolicy::live_states(), live_before);
  });
  EXPECT_EQ(*outcome, 500u);
}

TEST(Chain, PoliciesOnlyGetTheHooksTheyDeclare) {
  std::vector<std::string> journal;
  auto quiet = policy("quiet", journal);
  quiet->declared = Policy::kRequest | Policy::kComplete;
  Chain chain({quiet, policy("b", journal)});
  run([&]() -> asio::awaitable<void> {
    RequestContext ctx;
    Chain::Run r(chain, ctx);
    co_await r.request();
    model::Response resp;
    co_await r.answer(resp);
    std::vector<model::StreamEvent> events{text_event("x")};
    r.stream_events(events);
    r.usage();
    r.complete(Outcome{200});
  });
  EXPECT_EQ(journal, (std::vector<std::string>{"quiet.request", "b.request", "b.answer", "b.event",
                                               "b.usage", "b.complete", "quiet.complete"}));
}

}  // namespace sluice::pipeline
