#include "api/openai/parse.hpp"

#include <gtest/gtest.h>

namespace sluice::api::openai {

TEST(OpenAiParse, ChatRequestFields) {
  auto r =
      parse_request(model::Operation::kChat,
                    R"({"model":"chat","messages":[{"role":"user","content":"hi"}],"stream":true,
                             "stream_options":{"include_usage":true},"extra":1})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->endpoint, "chat");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->body.at("extra"), 1);  // unknown fields are kept for the provider
}

TEST(OpenAiParse, AssistantWithToolCallsNeedsNoContent) {
  auto r = parse_request(model::Operation::kChat, R"({"model":"c","messages":[
      {"role":"user","content":"weather?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"w","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"t1","content":"sunny"},
      {"role":"user","content":[{"type":"text","text":"and?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]})");
  EXPECT_TRUE(r) << r.error().message;
}

TEST(OpenAiParse, ToolMessageNeedsToolCallId) {
  auto r = parse_request(model::Operation::kChat,
                         R"({"model":"c","messages":[{"role":"tool","content":"x"}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().param, "messages[0].tool_call_id");
}

TEST(OpenAiParse, EmbeddingsInputShapesAndBase64) {
  for (const char* input : {R"("text")", R"(["a","b"])", R"([1,2,3])", R"([[1,2],[3]])"}) {
    auto r = parse_request(model::Operation::kEmbeddings,
                           std::string(R"({"model":"e","input":)") + input + "}");
    EXPECT_TRUE(r) << input;
  }
  auto b = parse_request(model::Operation::kEmbeddings,
                         R"({"model":"e","input":"x","encoding_format":"base64"})");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->embeddings_base64);
  auto mixed = parse_request(model::Operation::kEmbeddings, R"({"model":"e","input":[1,"a"]})");
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().param, "input");
}

TEST(OpenAiParse, ErrorsNameTheField) {
  struct Case {
    model::Operation op;
    const char* body;
    const char* param;
  };
  const Case cases[] = {
      {model::Operation::kChat, R"({"messages":[]})", "model"},
      {model::Operation::kChat, R"({"model":7,"messages":[]})", "model"},
      {model::Operation::kChat, R"({"model":"c","messages":"hi"})", "messages"},
      {model::Operation::kChat,
       R"({"model":"c","messages":[{"role":"user","content":[{"text":"x"}]}]})",
       "messages[0].content[0].type"},
      {model::Operation::kChat,
       R"({"model":"c","messages":[{"role":"user","content":"x"}],"top_p":1.5})", "top_p"},
      {model::Operation::kChat,
       R"({"model":"c","messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]})",
       "stop"},
      {model::Operation::kChat,
       R"({"model":"c","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":"y"}})",
       "stream_options.include_usage"},
      {model::Operation::kCompletions, R"({"model":"c","prompt":{}})", "prompt"},
      {model::Operation::kEmbeddings, R"({"model":"e","input":"x","dimensions":0})", "dimensions"},
  };
  for (const auto& c : cases) {
    auto r = parse_request(c.op, c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().param, c.param) << c.body;
    EXPECT_EQ(model::http_status(r.error()), 400u);
  }
}

TEST(OpenAiParse, NotJsonOrNotAnObject) {
  auto bad = parse_request(model::Operation::kChat, "{");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("could not parse the JSON body"), std::string::npos);
  EXPECT_FALSE(parse_request(model::Operation::kChat, "[]"));
}

}  // namespace sluice::api::openai
