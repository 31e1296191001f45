// /gateway/<provider>/… through the handler and the real upstream client against a provider on
// loopback: the provider's bytes come back as they were, its usage is counted, a policy's stream
// hooks see the events and can stop the relay, and an answer hook that rewrites has the answer
// rendered again in the family's shape.
#include <gtest/gtest.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/json.hpp>

#include "support/handler_harness.hpp"
#include "support/loopback_upstream.hpp"
#include "support/scripted_policy.hpp"

namespace sluice::pipeline {
namespace {

namespace json = boost::json;
using testing_support::FakeResponder;
using testing_support::HandlerHarness;
using testing_support::LoopbackUpstream;
using testing_support::ScriptedPolicy;

std::string http_response(const std::string& content_type, const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
         "\r\nx-ratelimit-remaining-requests: 99\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kAnswer =
    R"({"id":"c1","object":"chat.completion","created":1,"model":"gpt","choices":[{"index":0,"message":{"role":"assistant","content":"as sent"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})";

const std::string kStream =
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt\","
    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"one\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt\","
    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" secret\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt\","
    "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n"
    "data: [DONE]\n\n";

std::string config(const LoopbackUpstream& upstream) {
  return R"(
endpoints:
  - name: gpt
    endpoint_type: llm/v1/chat
    model: {provider: openai, name: gpt-x, config: {openai_api_key: sk-upstream-0000, openai_api_base: ")" +
         upstream.base_url() + R"(/v1"}}
)";
}

// The upstream's port goes into the harness's config, and both run on one io_context.
struct Fixture {
  explicit Fixture(std::string response, std::shared_ptr<ScriptedPolicy> extra = nullptr)
      : upstream(io, std::move(response)) {
    const std::string yaml = config(upstream);
    h = std::make_unique<HandlerHarness>(yaml.c_str(), extra, std::map<std::string, std::string>{},
                                         &io);
  }
  boost::asio::io_context io;
  LoopbackUpstream upstream;
  std::unique_ptr<HandlerHarness> h;
};

constexpr const char* kBody = R"({"model":"gpt","messages":[{"role":"user","content":"hi"}]})";
constexpr const char* kStreamBody =
    R"({"model":"gpt","stream":true,"messages":[{"role":"user","content":"hi"}]})";

}  // namespace

TEST(Passthrough, TheProvidersBytesComeBackAsTheyWereWithItsUsageCounted) {
  Fixture f(http_response("application/json", kAnswer));
  FakeResponder out = f.h->send("POST", "/gateway/openai/v1/chat/completions", kBody);
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, kAnswer);
  EXPECT_EQ(out.header("x-ratelimit-remaining-requests"), "99");  // the provider's, relayed
  EXPECT_EQ(out.header("x-sluice-destination"), "gpt");
  ASSERT_EQ(f.upstream.requests().size(), 1u);
  // The endpoint's model and key were put in; the client's body went on otherwise.
  EXPECT_NE(f.upstream.requests()[0].find("\"model\":\"gpt-x\""), std::string::npos);
  EXPECT_NE(f.upstream.requests()[0].find("sk-upstream-0000"), std::string::npos);
}

TEST(Passthrough, AnAnswerHookThatRewritesHasTheAnswerRenderedAgain) {
  std::vector<std::string> journal;
  auto rewriter = std::make_shared<ScriptedPolicy>("rewriter", journal);
  rewriter->answer = [](RequestContext&, model::Response& r) {
    r.body["choices"].as_array()[0].as_object()["message"].as_object()["content"] = "rewritten";
    r.raw.clear();
    return Step::next();
  };
  Fixture f(http_response("application/json", kAnswer), rewriter);
  FakeResponder out = f.h->send("POST", "/gateway/openai/v1/chat/completions", kBody);
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(json::parse(out.body).at("choices").at(0).at("message").at("content"), "rewritten");
  // The head goes out before the body is read (the provider's status and headers are relayed).
  EXPECT_EQ(journal,
            (std::vector<std::string>{"rewriter.request", "rewriter.headers", "rewriter.answer",
                                      "rewriter.usage", "rewriter.complete"}));
}

TEST(Passthrough, StreamHooksSeeTheEventsAndAStopEndsTheRelayWithAnError) {
  std::vector<std::string> journal;
  auto guard = std::make_shared<ScriptedPolicy>("guard", journal);
  auto seen = std::make_shared<int>(0);
  guard->event = [seen](RequestContext&, ScriptedPolicy::State&, model::StreamEvent& e,
                        StreamOut& out) {
    ++*seen;
    if (json::serialize(e.chunk).find("secret") != std::string::npos)
      return out.stop(Error::make(ErrorCode::kForbidden, "blocked by the guard"));
    return EventVerdict::kPass;
  };
  Fixture f(http_response("text/event-stream", kStream), guard);
  FakeResponder out = f.h->send("POST", "/gateway/openai/v1/chat/completions", kStreamBody);
  EXPECT_EQ(out.status, 200u);
  EXPECT_TRUE(out.ended);
  EXPECT_GE(*seen, 2);
  EXPECT_NE(out.body.find("\"one\""), std::string::npos);
  EXPECT_EQ(out.body.find("secret"), std::string::npos);
  EXPECT_NE(out.body.find("blocked by the guard"), std::string::npos);
  EXPECT_EQ(out.body.find("[DONE]"), std::string::npos);
}

TEST(Passthrough, WithoutStreamPoliciesTheStreamIsRelayedByteForByte) {
  Fixture f(http_response("text/event-stream", kStream));
  FakeResponder out = f.h->send("POST", "/gateway/openai/v1/chat/completions", kStreamBody);
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, kStream);
}

}  // namespace sluice::pipeline
