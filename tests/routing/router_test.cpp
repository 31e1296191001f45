// The router against the in-process mock provider: an endpoint's fallback chain falls over on a
// retryable failure, a client error is returned at once, each attempt reaches the listener as it
// is made, and streams are handed over once content has arrived.
#include "routing/router.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "config/loader.hpp"

namespace sluice::routing {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

// Names are process-wide (endpoint health), so they carry this test's prefix.
constexpr const char* kConfig = R"(
endpoints:
  - name: rt-primary
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m, config: {fail_status: 503}}
    fallbacks: [rt-backup]
    retry: {attempts: 1, backoff_ms: 1}
  - name: rt-backup
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m, config: {text: "from the backup"}}
  - name: rt-refuses
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: m, config: {fail_status: 400}}
    fallbacks: [rt-backup]
)";

struct Recorder : AttemptListener {
  std::vector<std::string> seen;
  void on_attempt(const RouteCall&, const AttemptRecord& a) override {
    seen.push_back(a.endpoint->name + ":" + std::to_string(a.status));
  }
};

struct Fixture {
  Fixture()
      : snapshot(config::load_string(kConfig, "test.yaml").value()),
        router(client, [](RouteCall&) { return std::optional<Error>(); }) {}

  // A call of `name` (an endpoint with its fallback chain), planned as the handler does.
  void prepare(RouteCall& call, const std::string& name, bool stream) {
    call.snapshot = snapshot;
    call.endpoint = snapshot->find(name);
    call.route = call.endpoint->routing.get();
    EXPECT_TRUE(planner.plan(*call.route, *snapshot, call.choice, Clock::now(), call.plan));
    call.endpoint = &snapshot->endpoints[call.route->destinations[call.plan.front()].endpoint];
    call.request.operation = model::Operation::kChat;
    call.request.endpoint = name;
    call.request.stream = stream;
    call.request.body =
        json::object{{"model", name},
                     {"messages", json::array{json::object{{"role", "user"}, {"content", "hi"}}}}};
    if (stream) call.request.body["stream"] = true;  // as the inbound API leaves it
    call.attempt_listener = &recorder;
  }

  template <class F>
  auto run(F f) {
    auto done = asio::co_spawn(io, f(), asio::use_future);
    io.run();
    return done.get();
  }

  config::SnapshotPtr snapshot;
  asio::io_context io;
  upstream::Client client{io};
  Router router;
  Planner planner{7};
  Recorder recorder;
};

}  // namespace

// rt-primary is retried once (retry.attempts: 1), then its fallback answers.
TEST(Router, RetriesThenFallsOverOnARetryableFailureAndReportsEachAttempt) {
  Fixture f;
  RouteCall call;
  f.prepare(call, "rt-primary", false);
  auto answer = f.run([&]() -> asio::awaitable<Result<model::Response>> {
    co_return co_await f.router.call(call);
  });
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->body.at("choices").at(0).at("message").at("content"), "from the backup");
  EXPECT_EQ(call.endpoint->name, "rt-backup");
  EXPECT_EQ(f.recorder.seen,
            (std::vector<std::string>{"rt-primary:503", "rt-primary:503", "rt-backup:200"}));
  EXPECT_EQ(call.attempts.size(), 3u);
  EXPECT_TRUE(call.upstream_called);
}

TEST(Router, AClientErrorIsReturnedAtOnceWithoutFallingOver) {
  Fixture f;
  RouteCall call;
  f.prepare(call, "rt-refuses", false);
  auto answer = f.run([&]() -> asio::awaitable<Result<model::Response>> {
    co_return co_await f.router.call(call);
  });
  ASSERT_FALSE(answer);
  EXPECT_EQ(http_status(answer.error()), 400u);
  EXPECT_EQ(f.recorder.seen, (std::vector<std::string>{"rt-refuses:400"}));
}

TEST(Router, AStreamIsHandedOverOnceContentHasArrived) {
  Fixture f;
  RouteCall call;
  f.prepare(call, "rt-primary", true);
  auto opened = f.run([&]() -> asio::awaitable<Result<OpenStream>> {
    co_return co_await f.router.open_stream(call);
  });
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_FALSE(opened->first_events.empty());
  EXPECT_EQ(call.endpoint->name, "rt-backup");
  EXPECT_EQ(f.recorder.seen,
            (std::vector<std::string>{"rt-primary:503", "rt-primary:503", "rt-backup:200"}));
  f.router.stream_finished(call, nullptr);
}

}  // namespace sluice::routing
