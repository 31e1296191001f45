#include "api/openai/render.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/openai/parse.hpp"

namespace sluice::api::openai {
namespace json = boost::json;

TEST(OpenAiRender, ErrorShape) {
  Error e = Error::invalid("bad temperature", "temperature");
  e.error_code = "invalid_value";
  EXPECT_EQ(
      json::parse(render_error(e)),
      json::parse(
          R"({"error":{"message":"bad temperature","type":"invalid_request_error","param":"temperature","code":"invalid_value"}})"));
  Error t = Error::make(ErrorCode::kUpstreamTimeout, "slow");
  EXPECT_EQ(json::parse(render_error(t)),
            json::parse(
                R"({"error":{"message":"slow","type":"timeout_error","param":null,"code":null}})"));
  EXPECT_EQ(render_stream_error(t).rfind("data: {\"error\"", 0), 0u);
  EXPECT_TRUE(render_stream_error(t).ends_with("\n\n"));
}

TEST(OpenAiRender, EmbeddingFloatsBecomeBase64OnlyWhenAsked) {
  auto req = parse_request(model::Operation::kEmbeddings,
                           R"({"model":"e","input":"x","encoding_format":"base64"})")
                 .value();
  model::Response resp;
  resp.body =
      json::parse(
          R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[1.0,-2.0]}]})")
          .as_object();
  auto out = json::parse(render_response(req, resp));
  EXPECT_EQ(out.at("data").at(0).at("embedding"), "AACAPwAAAMA=");
  auto plain = parse_request(model::Operation::kEmbeddings, R"({"model":"e","input":"x"})").value();
  model::Response resp2;
  resp2.body = json::parse(R"({"data":[{"embedding":[1.0]}]})").as_object();
  EXPECT_TRUE(
      json::parse(render_response(plain, resp2)).at("data").at(0).at("embedding").is_array());
}

TEST(OpenAiRender, UsageChunkOnlyForClientsThatAsked) {
  auto asked =
      parse_request(
          model::Operation::kChat,
          R"({"model":"c","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}})")
          .value();
  auto silent =
      parse_request(model::Operation::kChat,
                    R"({"model":"c","messages":[{"role":"user","content":"x"}],"stream":true})")
          .value();
  model::StreamEvent usage;
  usage.kind = model::StreamEvent::Kind::kUsage;
  usage.chunk = json::parse(R"({"choices":[],"usage":{"total_tokens":3}})").as_object();
  model::StreamEvent copy = usage;
  EXPECT_EQ(render_stream_event(silent, copy), "");
  EXPECT_EQ(render_stream_event(asked, usage),
            "data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\n");
  model::StreamEvent chunk;
  chunk.chunk = json::parse(R"({"choices":[{"delta":{"content":"a"}}],"usage":null})").as_object();
  EXPECT_EQ(render_stream_event(silent, chunk),
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
}

}  // namespace sluice::api::openai
