#include "policies/guardrails/guardrails.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "config/loader.hpp"
#include "pipeline/paths.hpp"

namespace sluice::policies {
namespace {
namespace json = boost::json;
using pipeline::EventVerdict;
using pipeline::Step;

std::optional<std::string> no_env(const std::string&) { return std::nullopt; }

config::SnapshotPtr snapshot(const std::string& guardrails, const std::string& on_endpoint) {
  auto r = config::load_string("guardrails:\n" + guardrails +
                                   "endpoints:\n"
                                   "  - name: e\n"
                                   "    endpoint_type: llm/v1/chat\n"
                                   "    guardrails: [" +
                                   on_endpoint +
                                   "]\n"
                                   "    model: {provider: openai, name: m, config: "
                                   "{openai_api_key: k}}\n",
                               "cfg.yaml", no_env, pipeline::is_reserved_path);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return *r;
}

// One request through the policy's hooks, with its state.
struct Harness {
  GuardrailsPolicy policy;
  pipeline::RequestContext ctx;
  void* state;

  Harness(config::SnapshotPtr snap, std::string_view body, std::string_view api = "openai") {
    ctx.snapshot = std::move(snap);
    ctx.endpoint = ctx.snapshot->find("e");
    ctx.api = api;
    ctx.request.body = json::parse(body).as_object();
    state = policy.make_state(ctx.arena());
  }
  ~Harness() { policy.drop_state(state); }

  // Streams `text` as content deltas cut at `cuts`; what the client gets, and how it ended.
  std::pair<std::string, std::string> stream(std::string_view text,
                                             const std::vector<std::size_t>& cuts) {
    std::vector<model::StreamEvent> sent;
    auto deliver = [&](model::StreamEvent e) {
      std::vector<model::StreamEvent> emitted;
      pipeline::StreamOut out(emitted);
      const EventVerdict v = policy.on_stream_event(ctx, state, e, out);
      for (auto& x : emitted) sent.push_back(std::move(x));
      if (v == EventVerdict::kPass) sent.push_back(std::move(e));
    };
    auto chunk = [](json::object choice) {
      model::StreamEvent e;
      e.chunk = json::object{{"id", "c"}, {"object", "chat.completion.chunk"}};
      e.chunk["choices"] = json::array{std::move(choice)};
      return e;
    };
    std::size_t at = 0;
    std::vector<std::size_t> all = cuts;
    all.push_back(text.size());
    for (std::size_t cut : all) {
      deliver(chunk({{"index", 0},
                     {"delta", {{"content", text.substr(at, cut - at)}}},
                     {"finish_reason", nullptr}}));
      at = cut;
    }
    deliver(chunk({{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}));
    std::vector<model::StreamEvent> emitted;
    pipeline::StreamOut out(emitted);
    policy.on_stream_end(ctx, state, out);
    for (auto& x : emitted) sent.push_back(std::move(x));
    std::string said;
    std::string end;
    for (const auto& e : sent) {
      for (const auto& c : e.chunk.at("choices").as_array()) {
        const auto& choice = c.as_object();
        if (const auto* d = choice.if_contains("delta")) {
          if (const auto* t = d->as_object().if_contains("content"); t && t->is_string())
            said += t->as_string();
        }
        if (choice.at("finish_reason").is_string()) end = choice.at("finish_reason").as_string();
      }
    }
    return {said, end};
  }
};

const char* kMask = "  - {name: pii, type: pii, on: both, action: mask, restore_in_answer: true}\n";

TEST(GuardrailsPolicy, MasksTheRequestConsistentlyAndSkipsSignedThinking) {
  Harness h(snapshot(kMask, "pii"), R"({"model":"e","messages":[
      {"role":"system","content":"Support desk help@corp.example.com"},
      {"role":"user","content":[{"type":"text","text":"I am ann@example.com, 4111 1111 1111 1111"}]},
      {"role":"assistant","content":"ok","thinking_blocks":[{"type":"thinking","thinking":"ann@example.com","signature":"sig"}]},
      {"role":"user","content":"again ann@example.com"}]})");
  ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
  const auto& m = h.ctx.request.body.at("messages").as_array();
  EXPECT_EQ(m[0].at("content").as_string(), "Support desk <EMAIL_ADDRESS_1>");
  EXPECT_EQ(m[1].at("content").as_array()[0].at("text").as_string(),
            "I am <EMAIL_ADDRESS_2>, <CREDIT_CARD_1>");
  EXPECT_EQ(m[2].at("thinking_blocks").as_array()[0].at("thinking").as_string(), "ann@example.com");
  EXPECT_EQ(m[3].at("content").as_string(), "again <EMAIL_ADDRESS_2>");
  EXPECT_TRUE(h.ctx.guarded);
  ASSERT_EQ(h.ctx.guardrail_events.size(), 2U);
  EXPECT_EQ(h.ctx.guardrail_events[0].entity, "EMAIL_ADDRESS");
  EXPECT_EQ(h.ctx.guardrail_events[0].count, 3U);
  EXPECT_EQ(h.ctx.guardrail_events[1].entity, "CREDIT_CARD");
}

TEST(GuardrailsPolicy, BlockNamesTheGuardrailAndKindNeverTheValue) {
  Harness h(snapshot("  - {name: no-pii, type: pii}\n", "no-pii"),
            R"({"model":"e","messages":[{"role":"user","content":"ssn 536-22-1234"}]})");
  Step s = h.policy.on_request(h.ctx, h.state);
  ASSERT_EQ(s.kind(), Step::Kind::kFail);
  EXPECT_EQ(s.error()->error_code, "guardrail_blocked");
  EXPECT_EQ(s.error()->message, "The request was blocked by guardrail 'no-pii' (found: US_SSN).");
  EXPECT_EQ(http_status(*s.error()), 400U);
}

TEST(GuardrailsPolicy, AnAnswerIsMaskedThenGivenTheRequestsValuesBack) {
  Harness h(snapshot(kMask, "pii"),
            R"({"model":"e","messages":[{"role":"user","content":"mail ann@example.com"}]})");
  ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
  model::Response answer;
  answer.body = json::parse(R"({"choices":[{"index":0,"finish_reason":"stop","message":{"role":
      "assistant","content":"Sent to <EMAIL_ADDRESS_1>, cc bob@example.org"}}]})")
                    .as_object();
  answer.raw = "x";
  ASSERT_EQ(h.policy.on_answer(h.ctx, h.state, answer).kind(), Step::Kind::kNext);
  EXPECT_EQ(answer.body.at("choices").as_array()[0].at("message").at("content").as_string(),
            "Sent to ann@example.com, cc <EMAIL_ADDRESS_2>");
  EXPECT_TRUE(answer.raw.empty());
}

TEST(GuardrailsPolicy, StreamsAreMaskedAndRestoredWhereverTheTextIsCut) {
  const std::string text = "Sent to <EMAIL_ADDRESS_1>, cc bob@example.org and 4111111111111111.";
  const std::string expected = "Sent to ann@example.com, cc <EMAIL_ADDRESS_2> and <CREDIT_CARD_1>.";
  const auto cfg = snapshot(kMask, "pii");
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Harness h(cfg,
              R"({"model":"e","messages":[{"role":"user","content":"mail ann@example.com"}]})");
    ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
    const auto [said, end] = h.stream(text, {cut});
    EXPECT_EQ(said, expected) << "cut at " << cut;
    EXPECT_EQ(end, "stop");
  }
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
  Harness h(cfg, R"({"model":"e","messages":[{"role":"user","content":"mail ann@example.com"}]})");
  ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
  EXPECT_EQ(h.stream(text, bytes).first, expected);
}

TEST(GuardrailsPolicy, ABlockedStreamEndsFilteredBeforeAnyOfTheValue) {
  const std::string text = "Your key: sk-proj-Xq7Lm2Pz9Rt4Vw8Bn3Kd6Hf1Jc5 and more text after it";
  const auto cfg = snapshot("  - {name: s, type: secrets, on: output}\n", "s");
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Harness h(cfg, R"({"model":"e","messages":[{"role":"user","content":"hi"}]})");
    ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
    const auto [said, end] = h.stream(text, {cut});
    EXPECT_EQ(said.find("sk-"), std::string::npos) << cut << ": " << said;
    EXPECT_EQ(end, "content_filter") << cut;
  }
}

// A route keeps the client's body for a destination with its own template: its variables, which
// that template puts into messages, are masked (or blocked) as well, with the same placeholders.
TEST(GuardrailsPolicy, TheBodyKeptForAnotherDestinationIsMaskedEverywhere) {
  Harness h(snapshot(kMask, "pii"),
            R"({"model":"e","messages":[{"role":"user","content":"mail ann@example.com"}]})");
  h.ctx.pristine_body.emplace(
      json::parse(R"({"model":"e","contact":"ann@example.com","cc":{"to":["bob@example.org"]}})")
          .as_object());
  ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
  EXPECT_EQ(json::serialize(*h.ctx.pristine_body),
            R"({"model":"e","contact":"<EMAIL_ADDRESS_1>","cc":{"to":["<EMAIL_ADDRESS_2>"]}})");
  // Counted once: the kept body is the same request.
  ASSERT_EQ(h.ctx.guardrail_events.size(), 1U);
  EXPECT_EQ(h.ctx.guardrail_events[0].count, 1U);

  Harness b(snapshot("  - {name: no-pii, type: pii}\n", "no-pii"),
            R"({"model":"e","messages":[{"role":"user","content":"hello"}]})");
  b.ctx.pristine_body.emplace(json::parse(R"({"unused_variable":"ann@example.com"})").as_object());
  EXPECT_EQ(b.policy.on_request(b.ctx, b.state).kind(), Step::Kind::kFail);
}

// What goes to the provider as written is read too: fields sluice does not know, tool
// descriptions, metadata; tool-call arguments decoded ("\u0040" is an '@').
TEST(GuardrailsPolicy, EveryStringOfTheRequestIsReadAndArgumentsDecoded) {
  Harness h(snapshot(kMask, "pii"), R"({"model":"e","user":"ann@example.com",
      "metadata":{"owner":"ann@example.com"},
      "tools":[{"type":"function","function":{"name":"f","description":"ask bob@example.org"}}],
      "messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
        "function":{"name":"f","arguments":"{\"to\":\"carol\u0040example.net\"}"}}]},
      {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,QUJD"}}]}]})");
  ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
  const json::object& b = h.ctx.request.body;
  EXPECT_EQ(b.at("user").as_string(), "<EMAIL_ADDRESS_1>");
  EXPECT_EQ(b.at("metadata").at("owner").as_string(), "<EMAIL_ADDRESS_1>");
  EXPECT_EQ(b.at("tools").at(0).at("function").at("description").as_string(),
            "ask <EMAIL_ADDRESS_2>");
  EXPECT_EQ(
      json::parse(
          b.at("messages").at(0).at("tool_calls").at(0).at("function").at("arguments").as_string()),
      json::parse(R"({"to":"<EMAIL_ADDRESS_3>"})"));
  EXPECT_EQ(b.at("messages").at(1).at("content").at(0).at("image_url").at("url").as_string(),
            "data:image/png;base64,QUJD");
  EXPECT_EQ(b.at("model").as_string(), "e");
}

TEST(GuardrailsPolicy, AValueCutAcrossTextPartsIsFoundMaskedOrBlocked) {
  Harness h(snapshot(kMask, "pii"), R"({"model":"e","messages":[{"role":"user","content":[
      {"type":"text","text":"mail ann@exa"},{"type":"text","text":"mple.com now"},
      {"type":"text","text":" and more"}]}]})");
  ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
  EXPECT_EQ(
      json::serialize(h.ctx.request.body.at("messages").at(0).at("content")),
      R"([{"type":"text","text":"mail <EMAIL_ADDRESS_1> now"},{"type":"text","text":" and more"}])");
  Harness b(snapshot("  - {name: s, type: secrets}\n", "s"),
            R"({"model":"e","messages":[{"role":"user","content":[
      {"type":"text","text":"key sk-proj-Xq7Lm2Pz9R"},{"type":"text","text":"t4Vw8Bn3Kd6Hf1Jc5"}]}]})");
  EXPECT_EQ(b.policy.on_request(b.ctx, b.state).kind(), Step::Kind::kFail);
}

TEST(GuardrailsPolicy, AnAnswersOtherStringsAreReadAndItsLogprobsDropped) {
  Harness h(snapshot("  - {name: p, type: pii, on: output, action: mask}\n", "p"),
            R"({"model":"e","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kNext);
  model::Response answer;
  answer.body = json::parse(R"({"choices":[{"index":0,"finish_reason":"stop",
      "logprobs":{"content":[{"token":"ann"}]},
      "message":{"role":"assistant","content":"ok","refusal":"not ann@example.com",
        "tool_calls":[{"id":"c","type":"function","function":{"name":"f",
          "arguments":"{\"q\":\"ann\u0040example.com\"}"}}]}}]})")
                    .as_object();
  ASSERT_EQ(h.policy.on_answer(h.ctx, h.state, answer).kind(), Step::Kind::kNext);
  const auto& choice = answer.body.at("choices").at(0).as_object();
  EXPECT_FALSE(choice.contains("logprobs"));
  EXPECT_EQ(choice.at("message").at("refusal").as_string(), "not <EMAIL_ADDRESS_1>");
  EXPECT_EQ(
      json::parse(
          choice.at("message").at("tool_calls").at(0).at("function").at("arguments").as_string()),
      json::parse(R"({"q":"<EMAIL_ADDRESS_1>"})"));
}

TEST(GuardrailsPolicy, WithoutGuardrailsForTheRequestItSkips) {
  Harness h(snapshot(kMask, ""),
            R"({"model":"e","messages":[{"role":"user","content":"ann@example.com"}]})");
  EXPECT_EQ(h.policy.on_request(h.ctx, h.state).kind(), Step::Kind::kSkip);
  EXPECT_FALSE(h.ctx.guarded);
}

}  // namespace
}  // namespace sluice::policies
