// The request handler against the in-process mock provider, answering through a fake responder:
// invoke, stream, a policy answering in the provider's place (replayed in each inbound dialect),
// a policy stopping a stream, sub-requests, and the admin and catalogue paths.
#include "pipeline/handler/handler.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/handler_harness.hpp"
#include "support/scripted_policy.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
using Harness = testing_support::HandlerHarness;
namespace json = boost::json;
using testing_support::FakeResponder;
using testing_support::ScriptedPolicy;

namespace {

constexpr const char* kConfig = R"(
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-chat, config: {text: "one two three"}}
  - name: completions
    endpoint_type: llm/v1/completions
    model: {provider: mock, name: mock-completions, config: {text: "alpha beta"}}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mock, name: mock-embeddings}
)";

constexpr const char* kChatBody = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";
constexpr const char* kChatStreamBody =
    R"({"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}]})";

std::shared_ptr<ScriptedPolicy> scripted(std::vector<std::string>& journal) {
  return std::make_shared<ScriptedPolicy>("scripted", journal);
}

// A recorded chat stream a policy replays in the provider's place.
Reply recorded_reply() {
  Reply reply;
  for (const char* text : {"cached ", "answer"}) {
    model::StreamEvent e;
    e.chunk = json::object{
        {"id", "rec-1"},
        {"object", "chat.completion.chunk"},
        {"created", 1},
        {"model", "mock-chat"},
        {"choices", json::array{json::object{{"index", 0},
                                             {"delta", json::object{{"content", text}}},
                                             {"finish_reason", nullptr}}}}};
    reply.events.push_back(std::move(e));
  }
  model::StreamEvent last;
  last.chunk = json::object{
      {"id", "rec-1"},
      {"object", "chat.completion.chunk"},
      {"created", 1},
      {"model", "mock-chat"},
      {"choices", json::array{json::object{
                      {"index", 0}, {"delta", json::object{}}, {"finish_reason", "stop"}}}}};
  reply.events.push_back(std::move(last));
  return reply;
}

}  // namespace

TEST(Handler, InvokeAnswersInOpenAisShapeWithTheGatewaysHeaders) {
  Harness h(kConfig);
  FakeResponder out =
      h.send("POST", "/v1/chat/completions", kChatBody, {{"x-request-id", "req-abc"}});
  EXPECT_EQ(out.status, 200u);
  EXPECT_FALSE(out.streamed);
  auto body = json::parse(out.body).as_object();
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content"), "one two three");
  EXPECT_EQ(out.header("x-request-id"), "req-abc");
  EXPECT_EQ(out.header("x-sluice-destination"), "chat");
  EXPECT_EQ(out.header("x-sluice-attempts"), "1");
  EXPECT_FALSE(out.header("x-sluice-overhead-ms").empty());
}

TEST(Handler, StreamRelaysEventsAndEndsWithDone) {
  Harness h(kConfig);
  FakeResponder out = h.send("POST", "/v1/chat/completions", kChatStreamBody);
  EXPECT_EQ(out.status, 200u);
  EXPECT_TRUE(out.streamed);
  EXPECT_TRUE(out.ended);
  EXPECT_EQ(out.header("Content-Type"), "text/event-stream");
  EXPECT_NE(out.body.find("three"), std::string::npos);
  EXPECT_TRUE(out.body.ends_with("data: [DONE]\n\n"));
}

TEST(Handler, ErrorsComeInTheCallersShape) {
  Harness h(kConfig);
  FakeResponder openai = h.send("POST", "/v1/chat/completions",
                                R"({"model":"nope","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(openai.status, 404u);
  EXPECT_EQ(json::parse(openai.body).at("error").at("code"), "model_not_found");
  FakeResponder anthropic =
      h.send("POST", "/v1/messages",
             R"({"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(json::parse(anthropic.body).at("type"), "error");
  FakeResponder mlflow = h.send("POST", "/endpoints/nope/invocations", "{}");
  EXPECT_EQ(mlflow.status, 404u);
  FakeResponder wrong = h.send("GET", "/v1/chat/completions");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.header("Allow"), "POST");
}

TEST(Handler, APolicysAnswerReplaysAsAStreamInEachDialect) {
  std::vector<std::string> journal;
  auto cache = scripted(journal);
  cache->request = [](RequestContext&) { return Step::answer(recorded_reply()); };
  Harness h(kConfig, cache);

  FakeResponder openai = h.send("POST", "/v1/chat/completions", kChatStreamBody);
  EXPECT_TRUE(openai.streamed);
  EXPECT_NE(openai.body.find(R"("content":"cached ")"), std::string::npos);
  EXPECT_TRUE(openai.body.ends_with("data: [DONE]\n\n"));
  EXPECT_EQ(openai.header("x-sluice-attempts"), "");  // no provider was called

  FakeResponder anthropic = h.send(
      "POST", "/v1/messages",
      R"({"model":"chat","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_TRUE(anthropic.streamed);
  EXPECT_TRUE(anthropic.body.starts_with("event: message_start"));
  EXPECT_NE(anthropic.body.find(R"("text":"answer")"), std::string::npos);
  EXPECT_NE(anthropic.body.find("event: message_stop"), std::string::npos);

  FakeResponder mlflow = h.send("POST", "/endpoints/chat/invocations",
                                R"({"stream":true,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_TRUE(mlflow.streamed);
  EXPECT_NE(mlflow.body.find(R"("content":"answer")"), std::string::npos);

  // The same recorded stream answers a request that did not ask for a stream, whole.
  FakeResponder whole = h.send("POST", "/v1/chat/completions", kChatBody);
  EXPECT_FALSE(whole.streamed);
  EXPECT_EQ(json::parse(whole.body).at("choices").at(0).at("message").at("content"),
            "cached answer");
}

TEST(Handler, APolicyStopsAStreamWithAnErrorEventInTheClientsShape) {
  std::vector<std::string> journal;
  auto guard = scripted(journal);
  guard->event = [](RequestContext&, ScriptedPolicy::State&, model::StreamEvent& e,
                    StreamOut& out) {
    if (json::serialize(e.chunk).find("two") != std::string::npos)
      return out.stop(Error::make(ErrorCode::kForbidden, "the answer was blocked"));
    return EventVerdict::kPass;
  };
  Harness h(kConfig, guard);
  FakeResponder out = h.send("POST", "/v1/chat/completions", kChatStreamBody);
  EXPECT_EQ(out.status, 200u);
  EXPECT_TRUE(out.ended);
  EXPECT_NE(out.body.find("\"one"), std::string::npos);
  EXPECT_EQ(out.body.find("three"), std::string::npos);
  EXPECT_NE(out.body.find("the answer was blocked"), std::string::npos);
  EXPECT_EQ(out.body.find("[DONE]"), std::string::npos);  // not a whole-looking stream

  FakeResponder anthropic = h.send(
      "POST", "/v1/messages",
      R"({"model":"chat","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_NE(anthropic.body.find("event: error"), std::string::npos);
  EXPECT_NE(anthropic.body.find("the answer was blocked"), std::string::npos);
}

TEST(Handler, AnAnswerHookReplacesTheAnswerTheClientGets) {
  std::vector<std::string> journal;
  auto rewriter = scripted(journal);
  rewriter->answer = [](RequestContext&, model::Response& r) {
    r.body["choices"].as_array()[0].as_object()["message"].as_object()["content"] = "[redacted]";
    r.raw.clear();
    return Step::next();
  };
  Harness h(kConfig, rewriter);
  FakeResponder out = h.send("POST", "/v1/chat/completions", kChatBody);
  EXPECT_EQ(json::parse(out.body).at("choices").at(0).at("message").at("content"), "[redacted]");
  EXPECT_EQ(journal,
            (std::vector<std::string>{"scripted.request", "scripted.answer", "scripted.usage",
                                      "scripted.headers", "scripted.complete"}));
  EXPECT_EQ(out.header("x-scripted"), "1");  // the policy's own header
}

TEST(Handler, APolicyCallsAnotherEndpointThroughASubRequest) {
  std::vector<std::string> journal;
  auto embedder = scripted(journal);
  auto seen = std::make_shared<std::string>();
  embedder->request = [](RequestContext& ctx) {
    return ctx.request.endpoint == "chat" ? Step::wait() : Step::skip();
  };
  embedder->request_async = [seen](RequestContext& ctx) -> asio::awaitable<Step> {
    model::Request sub;
    sub.operation = model::Operation::kEmbeddings;
    sub.endpoint = "embeddings";
    sub.body = json::object{{"input", "hi"}};
    auto answer = co_await ctx.sub_requests->call(ctx, sub);
    if (!answer) co_return Step::fail(answer.error());
    *seen = json::serialize(answer->body.at("data").at(0).at("embedding").at(0));
    model::Request nowhere;
    nowhere.operation = model::Operation::kEmbeddings;
    nowhere.endpoint = "nowhere";
    auto missing = co_await ctx.sub_requests->call(ctx, nowhere);
    if (missing) co_return Step::fail(Error::invalid("a missing endpoint answered"));
    co_return Step::next();
  };
  Harness h(kConfig, embedder);
  FakeResponder out = h.send("POST", "/v1/chat/completions", kChatBody);
  EXPECT_EQ(out.status, 200u);
  EXPECT_FALSE(seen->empty());
}

TEST(Handler, CatalogueHealthAndAdminPaths) {
  Harness h(kConfig);
  FakeResponder models = h.send("GET", "/v1/models");
  EXPECT_EQ(json::parse(models.body).at("data").as_array().size(), 3u);
  EXPECT_EQ(h.send("GET", "/health").body, R"({"status":"OK"})");
  EXPECT_EQ(h.send("GET", "/api/2.0/endpoints/chat").status, 200u);
  // No admin key configured: the admin API does not exist.
  EXPECT_EQ(h.send("GET", "/admin/routes").status, 404u);
  EXPECT_EQ(h.send("GET", "/admin/reload").status, 405u);
  EXPECT_EQ(h.send("GET", "/admin/whatever").status, 404u);
}

}  // namespace sluice::pipeline
