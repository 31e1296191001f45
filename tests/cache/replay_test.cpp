#include "cache/replay.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/anthropic/anthropic_api.hpp"
#include "api/openai/openai_api.hpp"
#include "model/stream_assembly.hpp"

namespace sluice::cache {
namespace {
namespace json = boost::json;

model::Response answer(const std::string& content) {
  model::Response r;
  json::object message{{"role", "assistant"}, {"content", content}};
  r.body = {{"id", "c1"},
            {"object", "chat.completion"},
            {"created", 7},
            {"model", "m"},
            {"choices", json::array{json::object{
                            {"index", 0}, {"message", message}, {"finish_reason", "stop"}}}}};
  r.usage.prompt_tokens = 5;
  r.usage.completion_tokens = 9;
  r.usage.total_tokens = 14;
  return r;
}

const std::string kLong =
    "The quick brown fox jumps over the lazy dog. Ünïcödé survives the cut, "
    "and a verylongwordwithoutanyspacesthatmustbecutsomewhereinsideitselfbecauseithasnoend "
    "ends it.";

TEST(Replay, ALongAnswerStreamsInPiecesThatAddUpToIt) {
  const auto events = replay_events(answer(kLong), model::Operation::kChat);
  ASSERT_GT(events.size(), 3U);
  std::string joined;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const auto& choice = events[i].chunk.at("choices").as_array()[0].as_object();
    const auto& delta = choice.at("delta").as_object();
    EXPECT_EQ(delta.contains("role"), i == 0) << i;
    const auto piece = delta.at("content").as_string();
    EXPECT_LE(piece.size(), kPieceBytes);
    joined += piece;
    // Only the last piece says why the answer ended.
    EXPECT_EQ(choice.at("finish_reason").is_null(), i + 2 < events.size()) << i;
  }
  EXPECT_EQ(joined, kLong);
  EXPECT_EQ(events.back().kind, model::StreamEvent::Kind::kUsage);
  // And it assembles back into the answer.
  const auto whole = model::assemble_response(events, model::Operation::kChat);
  EXPECT_EQ(whole.body.at("choices").as_array()[0].at("message").at("content").as_string(), kLong);
  EXPECT_EQ(whole.usage.total_tokens, 14U);
}

TEST(Replay, PiecesNeverSplitAUtf8Character) {
  const std::string text(200, 'x');
  std::string accented;
  for (int i = 0; i < 60; ++i) accented += "é";  // 120 bytes, no spaces
  const auto events = replay_events(answer(accented), model::Operation::kChat);
  for (const auto& e : events) {
    if (e.kind != model::StreamEvent::Kind::kChunk) continue;
    const auto piece = e.chunk.at("choices").as_array()[0].at("delta").at("content").as_string();
    ASSERT_EQ(piece.size() % 2, 0U) << piece;
  }
}

// A piece carries its own text only, not the whole answer's. (The work was quadratic in the
// answer's size once, each piece copying the whole text before trimming it; that is measured by
// bench/cache.sh's large-answer replay, not asserted here.)
TEST(Replay, EachPieceIsSmallWhateverTheAnswersSize) {
  std::string big;
  while (big.size() < 200'000) big += "word and another word, ";
  const auto events = replay_events(answer(big), model::Operation::kChat);
  ASSERT_GT(events.size(), big.size() / kPieceBytes);
  for (const auto& e : events) EXPECT_LT(json::serialize(e.chunk).size(), 512U);
}

TEST(Replay, ReasoningComesFirstAndToolCallsLast) {
  model::Response r = answer(kLong);
  auto& message = r.body["choices"].as_array()[0].as_object()["message"].as_object();
  message["reasoning_content"] = "Thinking it over.";
  message["tool_calls"] =
      json::array{json::object{{"id", "t1"},
                               {"type", "function"},
                               {"function", json::object{{"name", "f"}, {"arguments", "{}"}}}}};
  const auto events = replay_events(r, model::Operation::kChat);
  ASSERT_GT(events.size(), 3U);
  const auto delta = [&](std::size_t i) {
    return events[i].chunk.at("choices").as_array()[0].at("delta").as_object();
  };
  EXPECT_EQ(delta(0).at("reasoning_content"), "Thinking it over.");
  EXPECT_FALSE(delta(0).contains("tool_calls"));
  EXPECT_FALSE(delta(1).contains("reasoning_content"));
  const std::size_t last = events.size() - 2;  // then the usage event
  EXPECT_TRUE(delta(last).contains("tool_calls"));
  EXPECT_FALSE(delta(last).contains("reasoning_content"));
  const auto whole = model::assemble_response(events, model::Operation::kChat);
  const auto& m = whole.body.at("choices").as_array()[0].at("message").as_object();
  EXPECT_EQ(m.at("content").as_string(), kLong);
  EXPECT_EQ(m.at("reasoning_content"), "Thinking it over.");
  EXPECT_EQ(m.at("tool_calls").as_array().size(), 1U);
}

TEST(Replay, AShortAnswerIsOneChunk) {
  const auto events = replay_events(answer("hi"), model::Operation::kChat);
  ASSERT_EQ(events.size(), 2U);  // the message, then usage
}

TEST(Replay, RendersInEachDialect) {
  model::Request request;
  request.operation = model::Operation::kChat;
  request.stream = true;
  request.include_usage = true;
  auto render = [&](const api::InboundApi& api) {
    auto writer = api.stream_writer(request);
    std::string out;
    for (auto& e : replay_events(answer(kLong), model::Operation::kChat)) out += writer->event(e);
    return out + writer->end();
  };
  const std::string openai = render(api::openai::OpenAiApi());
  EXPECT_TRUE(openai.ends_with("data: [DONE]\n\n"));
  EXPECT_NE(openai.find(R"("total_tokens":14)"), std::string::npos);
  const std::string anthropic = render(api::anthropic::AnthropicApi());
  EXPECT_TRUE(anthropic.starts_with("event: message_start\n"));
  EXPECT_NE(anthropic.find("event: message_stop\n"), std::string::npos);
  // The text deltas, in order, are the answer.
  std::string joined;
  std::size_t at = 0;
  while ((at = anthropic.find("data: ", at)) != std::string::npos) {
    const auto end = anthropic.find('\n', at);
    auto v = json::parse(anthropic.substr(at + 6, end - at - 6));
    if (const auto* d = v.as_object().if_contains("delta"); d && d->as_object().contains("text"))
      joined += d->at("text").as_string();
    at = end;
  }
  EXPECT_EQ(joined, kLong);
}

TEST(Replay, CompletionsTextIsCutToo) {
  model::Response r;
  r.body = {{"id", "t1"},
            {"object", "text_completion"},
            {"choices", json::array{json::object{
                            {"index", 0}, {"text", kLong}, {"finish_reason", "length"}}}}};
  const auto events = replay_events(r, model::Operation::kCompletions);
  ASSERT_GT(events.size(), 2U);
  const auto whole = model::assemble_response(events, model::Operation::kCompletions);
  EXPECT_EQ(whole.body.at("choices").as_array()[0].at("text").as_string(), kLong);
  EXPECT_EQ(whole.body.at("choices").as_array()[0].at("finish_reason"), "length");
}

}  // namespace
}  // namespace sluice::cache
