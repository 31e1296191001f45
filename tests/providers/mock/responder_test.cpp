#include "providers/mock/responder.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "providers/mock/adapter.hpp"
#include "support/fixtures.hpp"

namespace sluice::providers::mock {
namespace json = boost::json;

namespace {

UpstreamRequest request(std::string target, json::object body) {
  UpstreamRequest r;
  r.target = std::move(target);
  r.body = json::serialize(body);
  return r;
}

json::object chat_body(bool stream, bool usage = false) {
  json::object b{
      {"model", "m"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "one two three"}}}}};
  if (stream) b["stream"] = true;
  if (usage) b["stream_options"] = {{"include_usage", true}};
  return b;
}

}  // namespace

TEST(MockResponder, ChatAnswerWithDefaultUsage) {
  MockSettings s;
  s.text = "a b";
  auto reply = MockResponder(s).respond(request("/v1/chat/completions", chat_body(false)));
  EXPECT_EQ(reply.head.status, 200u);
  ASSERT_EQ(reply.parts.size(), 1u);
  auto body = json::parse(reply.parts[0]).as_object();
  EXPECT_EQ(body.at("object"), "chat.completion");
  EXPECT_EQ(body.at("model"), "m");
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content"), "a b");
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 3);      // words in the prompt
  EXPECT_EQ(body.at("usage").at("completion_tokens"), 2);  // words in the answer
  // deterministic: the same request gives the same bytes
  EXPECT_EQ(reply.parts[0],
            MockResponder(s).respond(request("/v1/chat/completions", chat_body(false))).parts[0]);
}

TEST(MockResponder, StreamHonoursChunkCountDelaysAndUsageFlag) {
  MockSettings s;
  s.text = "one two three four five";
  s.stream_chunks = 2;
  s.chunk_delay = std::chrono::milliseconds(7);
  s.latency = std::chrono::milliseconds(3);
  auto reply = MockResponder(s).respond(request("/v1/chat/completions", chat_body(true, true)));
  EXPECT_EQ(reply.part_delay.count(), 7);
  EXPECT_EQ(reply.first_byte_delay.count(), 3);
  // role chunk + 2 content chunks + finish chunk + usage chunk + [DONE]
  ASSERT_EQ(reply.parts.size(), 6u);
  std::string text;
  for (std::size_t i = 1; i <= 2; ++i) {
    auto data = testing::sse_data(reply.parts[i]);
    text += json::parse(data[0]).at("choices").at(0).at("delta").at("content").as_string();
  }
  EXPECT_EQ(text, "one two three four five");
  EXPECT_EQ(reply.parts.back(), "data: [DONE]\n\n");
  auto usage = json::parse(testing::sse_data(reply.parts[4])[0]);
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  auto without = MockResponder(s).respond(request("/v1/chat/completions", chat_body(true, false)));
  EXPECT_EQ(without.parts.size(), 5u);
}

TEST(MockResponder, EmbeddingsAreDeterministicUnitVectors) {
  MockSettings s;
  s.embedding_dims = 5;
  auto reply = MockResponder(s).respond(
      request("/v1/embeddings", {{"model", "e"}, {"input", json::array{"x", "y"}}}));
  auto data = json::parse(reply.parts[0]).at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  double norm = 0;
  for (const auto& v : data[0].at("embedding").as_array())
    norm += v.to_number<double>() * v.to_number<double>();
  EXPECT_NEAR(norm, 1.0, 1e-5);
  EXPECT_NE(data[0].at("embedding"), data[1].at("embedding"));
}

TEST(MockResponder, FailStatus) {
  MockSettings s;
  s.fail_status = 429;
  auto reply = MockResponder(s).respond(request("/v1/chat/completions", chat_body(false)));
  EXPECT_EQ(reply.head.status, 429u);
  EXPECT_TRUE(json::parse(reply.parts[0]).as_object().contains("error"));
}

TEST(MockAdapter, RejectsUnknownKeys) {
  ConfigMap config("f:1:1", "endpoints[0].model.config");
  config.add("txt", {"hi", true, "f:2:3"});
  AdapterSpec spec{"e", model::Operation::kChat, "", &config};
  auto adapter = make_mock_adapter(spec);
  ASSERT_FALSE(adapter);
  EXPECT_EQ(adapter.error().message,
            "f:2:3: endpoints[0].model.config.txt: unknown key for this provider");
}

}  // namespace sluice::providers::mock
